package io.voidbox.guest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses a kernel command line into {@code key -> value} (bare words map to ""). Like the kernel,
 * double quotes group spaces ({@code key="a b"}) and a later key wins.
 */
final class KernelCmdline {
    private KernelCmdline() {}

    static Map<String, String> parse(String cmdline) {
        var args = new LinkedHashMap<String, String>();
        var token = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i <= cmdline.length(); i++) {
            char c = i < cmdline.length() ? cmdline.charAt(i) : ' ';
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) put(args, token.toString());
                token.setLength(0);
                any = false;
            } else {
                token.append(c);
                any = true;
            }
        }
        return args;
    }

    private static void put(Map<String, String> args, String token) {
        int eq = token.indexOf('=');
        if (eq < 0) args.put(token, "");
        else args.put(token.substring(0, eq), token.substring(eq + 1));
    }
}
