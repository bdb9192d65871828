package io.voidbox.spi.support;

/** Cutting text to a length without splitting a surrogate pair (one place for events, spans, warnings). */
public final class Text {
    private Text() {}

    /** {@code text} cut to at most {@code max} chars; {@code truncated} says whether anything was cut. */
    public record Cut(String text, boolean truncated) {}

    public static Cut cut(String text, int max) {
        if (text == null) return new Cut("", false);
        if (text.length() <= max) return new Cut(text, false);
        int end = max;
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) end--;
        return new Cut(text.substring(0, end), true);
    }
}
