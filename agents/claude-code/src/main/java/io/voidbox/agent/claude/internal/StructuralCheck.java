package io.voidbox.agent.claude.internal;

/**
 * A zero-allocation check that a line is one structurally complete JSON value: brackets balance and
 * match, strings are closed, nothing but whitespace follows. It does not validate tokens (a stray
 * {@code tru} passes), which is enough for lines we skip anyway: it catches the failure that matters,
 * a truncated line. Anything it rejects is re-read with Jackson for a precise error message.
 */
final class StructuralCheck {

    private static final int MAX_DEPTH = 64;

    private StructuralCheck() {}

    static boolean isComplete(String s) {
        long objectBits = 0; // bit i set: level i is an object
        int depth = 0;
        boolean inString = false;
        int n = s.length();
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                } else if (c < 0x20) {
                    return false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '{', '[' -> {
                    if (depth == MAX_DEPTH) {
                        return false;
                    }
                    objectBits = c == '{' ? objectBits | (1L << depth) : objectBits & ~(1L << depth);
                    depth++;
                }
                case '}', ']' -> {
                    if (depth == 0) {
                        return false;
                    }
                    depth--;
                    boolean isObject = (objectBits & (1L << depth)) != 0;
                    if (isObject != (c == '}')) {
                        return false;
                    }
                    if (depth == 0) {
                        return onlyWhitespaceAfter(s, i + 1);
                    }
                }
                default -> {}
            }
        }
        return false;
    }

    private static boolean onlyWhitespaceAfter(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }
}
