package io.voidbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The spec spellings of the option enums: one lookup and one error message for all of them. */
final class SpecIds {
    private SpecIds() {}

    /** The constant spelled {@code value}; an error naming every allowed spelling otherwise. */
    static <E extends Enum<E>> E parse(String what, String value, E[] values, Function<E, String> id) {
        List<String> ids = new ArrayList<>();
        for (E e : values) {
            if (id.apply(e).equals(value)) return e;
            ids.add(id.apply(e));
        }
        String allowed = String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.getLast();
        throw new IllegalArgumentException("unknown " + what + " '" + value + "' (expected " + allowed + ")");
    }

    /** The usual spelling of a constant: its name in lower case, {@code _} as {@code -} ({@code CLAUDE_CODE}: {@code claude-code}). */
    static String kebab(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
