package io.voidbox.spi.support;

import java.util.Arrays;
import java.util.Collection;

/**
 * Replaces known secret values (API keys, credential proxy tokens, channel secrets) with
 * {@value #MASK} in text a run publishes: events, {@code [vm:NAME]} lines and, through the events,
 * exported span attributes. Defence in depth: the key should never reach a box, but if a secret
 * shows up in output anyway (an {@code echo $ANTHROPIC_API_KEY} in a box that opted out of the
 * proxy) it stops here. Values shorter than {@value #MIN_LENGTH} characters are not treated as
 * secrets (too likely to be ordinary text). Thread-safe; a text without any secret costs one
 * {@code indexOf} per secret and is returned as is.
 */
public final class Redactor {
    public static final String MASK = "[REDACTED]";
    public static final int MIN_LENGTH = 8;

    /** Redacts nothing. */
    public static final Redactor NONE = new Redactor();

    private volatile String[] secrets = new String[0];

    /** Adds secret values; blank, short and already known ones are ignored. */
    public void addAll(Collection<String> values) {
        if (this == NONE) return;
        synchronized (this) {
            String[] next = secrets;
            for (String v : values) {
                if (v == null || v.length() < MIN_LENGTH || v.isBlank()) continue;
                if (Arrays.asList(next).contains(v)) continue;
                next = Arrays.copyOf(next, next.length + 1);
                next[next.length - 1] = v;
            }
            // longest first: a secret that contains another is masked whole
            Arrays.sort(next, (a, b) -> Integer.compare(b.length(), a.length()));
            secrets = next;
        }
    }

    /** {@code text} with every known secret replaced by {@value #MASK}; null stays null. */
    public String redact(String text) {
        if (text == null) return null;
        String out = text;
        for (String s : secrets) {
            int at = out.indexOf(s);
            if (at < 0) continue;
            StringBuilder b = new StringBuilder(out.length());
            int from = 0;
            while (at >= 0) {
                b.append(out, from, at).append(MASK);
                from = at + s.length();
                at = out.indexOf(s, from);
            }
            out = b.append(out, from, out.length()).toString();
        }
        return out;
    }

    /** Whether any secret is known. */
    public boolean isEmpty() {
        return secrets.length == 0;
    }
}
