package io.voidbox.bench.otel;

/** The Markdown tables the benchmarks print their results in. */
final class Tables {
    private Tables() {}

    /** Prints an empty line and the header of a table: a text column, then right-aligned number columns. */
    static void printHeader(String label, String... numbers) {
        System.out.println();
        System.out.println("| " + label + " | " + String.join(" | ", numbers) + " |");
        System.out.println("|---|" + "---:|".repeat(numbers.length));
    }
}
