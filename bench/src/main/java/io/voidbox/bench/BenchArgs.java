package io.voidbox.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --name value} options of a benchmark's command line. Every option takes a value; an
 * option without one, or one not in the list, is an error naming it.
 */
public record BenchArgs(Map<String, String> values) {
    public static BenchArgs parse(String[] args, String... names) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            if (!List.of(names).contains(args[i])) {
                throw new IllegalArgumentException(
                        "unknown option " + args[i] + " (use " + String.join(", ", names) + ")");
            }
            values.put(args[i], args[i + 1]);
        }
        return new BenchArgs(values);
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public Path path(String name, Path fallback) {
        String v = values.get(name);
        return v == null ? fallback : Path.of(v);
    }

    public int intValue(String name, int fallback) {
        String v = values.get(name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    public double doubleValue(String name, double fallback) {
        String v = values.get(name);
        return v == null ? fallback : Double.parseDouble(v);
    }
}
