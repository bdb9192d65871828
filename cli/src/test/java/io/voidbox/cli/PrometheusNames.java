package io.voidbox.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names Prometheus gives OTLP metrics, and the metric and label names a PromQL expression
 * uses, so the playground dashboard can be checked against what a real run exports.
 *
 * <p>Translation: Prometheus' OTLP receiver with its default {@code translation_strategy}
 * {@code UnderscoreEscapingWithSuffixes} (grafana/otel-lgtm does not change it). A port of
 * {@code normalizeName} of github.com/prometheus/otlptranslator (metric_namer.go, unit_namer.go),
 * which follows the OpenTelemetry "OTLP metric points to Prometheus" specification:
 * the name is split into tokens at every character outside {@code [a-zA-Z0-9:]} (so dots and
 * underscores both separate), the UCUM unit is mapped ({@code ms -> milliseconds},
 * {@code s -> seconds}, {@code By -> bytes}, {@code % -> percent}, {@code 1 -> ""}, units in
 * braces such as {@code {token}} are dropped, unknown units such as {@code USD} are kept as they
 * are) and appended unless the very same token is already in the name (case-sensitive), counters
 * (monotonic sums) get {@code _total}, gauges with unit {@code 1} get {@code _ratio}, and the
 * tokens are joined with {@code _}. Histograms become {@code _bucket}, {@code _sum} and
 * {@code _count} series.
 */
final class PrometheusNames {
    /** OTLP data point kinds, as far as naming is concerned. */
    enum Kind {
        MONOTONIC_COUNTER,
        NON_MONOTONIC_COUNTER,
        GAUGE,
        HISTOGRAM,
        EXPONENTIAL_HISTOGRAM,
        SUMMARY
    }

    private static final Map<String, String> UNITS = Map.ofEntries(
            Map.entry("d", "days"),
            Map.entry("h", "hours"),
            Map.entry("min", "minutes"),
            Map.entry("s", "seconds"),
            Map.entry("ms", "milliseconds"),
            Map.entry("us", "microseconds"),
            Map.entry("ns", "nanoseconds"),
            Map.entry("By", "bytes"),
            Map.entry("KiBy", "kibibytes"),
            Map.entry("MiBy", "mebibytes"),
            Map.entry("GiBy", "gibibytes"),
            Map.entry("TiBy", "tibibytes"),
            Map.entry("KBy", "kilobytes"),
            Map.entry("MBy", "megabytes"),
            Map.entry("GBy", "gigabytes"),
            Map.entry("TBy", "terabytes"),
            Map.entry("m", "meters"),
            Map.entry("V", "volts"),
            Map.entry("A", "amperes"),
            Map.entry("J", "joules"),
            Map.entry("W", "watts"),
            Map.entry("g", "grams"),
            Map.entry("Cel", "celsius"),
            Map.entry("Hz", "hertz"),
            Map.entry("1", ""),
            Map.entry("%", "percent"));
    private static final Map<String, String> PER_UNITS =
            Map.of("s", "second", "m", "minute", "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

    private PrometheusNames() {}

    /** The Prometheus metric name of an OTLP metric (without histogram series suffixes). */
    static String metricName(String otelName, String unit, Kind kind) {
        List<String> tokens = new ArrayList<>();
        for (String t : otelName.split("[^a-zA-Z0-9:]+")) {
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        String u = unit == null ? "" : unit;
        String[] parts = u.split("/", 2);
        String main = "";
        String per = "";
        String mainOtel = parts[0].trim();
        if (!mainOtel.isEmpty() && !mainOtel.contains("{") && !mainOtel.contains("}")) {
            main = UNITS.getOrDefault(mainOtel, mainOtel);
        }
        if (parts.length > 1 && !parts[1].isEmpty()) {
            String perOtel = parts[1].trim();
            if (!perOtel.isEmpty() && !perOtel.contains("{") && !perOtel.contains("}")) {
                per = PER_UNITS.getOrDefault(perOtel, perOtel);
            }
            if (!per.isEmpty()) {
                per = "per_" + per;
            }
        }
        main = cleanUpUnit(main);
        per = cleanUpUnit(per);
        if (tokens.contains(main)) {
            main = "";
        }
        if (per.equals("per_")) {
            per = "";
        } else {
            per = stripTrailingUnderscore(per);
            if (tokens.contains(per)) {
                per = "";
            }
        }
        if (!per.isEmpty()) {
            main = stripTrailingUnderscore(main);
        }
        if (!main.isEmpty()) {
            tokens.add(main);
        }
        if (!per.isEmpty()) {
            tokens.add(per);
        }
        if (kind == Kind.MONOTONIC_COUNTER) {
            tokens.removeIf("total"::equals);
            tokens.add("total");
        }
        if (u.equals("1") && kind == Kind.GAUGE) {
            tokens.removeIf("ratio"::equals);
            tokens.add("ratio");
        }
        String name = String.join("_", tokens);
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
            name = "_" + name;
        }
        return name;
    }

    /** Every series name a metric becomes: histograms are three series. */
    static Set<String> seriesNames(String otelName, String unit, Kind kind) {
        String base = metricName(otelName, unit, kind);
        return switch (kind) {
            case HISTOGRAM -> Set.of(base + "_bucket", base + "_sum", base + "_count");
            case SUMMARY -> Set.of(base, base + "_sum", base + "_count");
            default -> Set.of(base);
        };
    }

    /** The Prometheus label name of an OTLP attribute key. */
    static String labelName(String attribute) {
        String l = attribute.replaceAll("[^a-zA-Z0-9_]", "_");
        return !l.isEmpty() && Character.isDigit(l.charAt(0)) ? "key_" + l : l;
    }

    private static String cleanUpUnit(String unit) {
        String mapped = unit.replaceAll("[^a-zA-Z0-9:]", "_").replaceAll("__+", "_");
        return mapped.startsWith("_") ? mapped.substring(1) : mapped;
    }

    private static String stripTrailingUnderscore(String s) {
        return s.endsWith("_") ? s.substring(0, s.length() - 1) : s;
    }

    // ------------------------------------------------------------------ PromQL

    /** The metric and label names one PromQL expression (or a Grafana {@code label_values(...)} query) uses. */
    record Used(Set<String> metrics, Set<String> labels, Set<String> functions) {}

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
    private static final Pattern SELECTOR = Pattern.compile("\\{([^}]*)\\}");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern IDENTIFIER =
            Pattern.compile("(?<![A-Za-z0-9_:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Pattern LABEL_VALUES =
            Pattern.compile("^\\s*label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "inf",
            "nan",
            "Inf",
            "NaN");

    static Used used(String expr) {
        Matcher lv = LABEL_VALUES.matcher(expr);
        if (lv.matches()) {
            Used inner = used(lv.group(1));
            Set<String> labels = new LinkedHashSet<>(inner.labels());
            labels.add(lv.group(2));
            return new Used(inner.metrics(), labels, inner.functions());
        }
        Set<String> metrics = new LinkedHashSet<>();
        Set<String> labels = new LinkedHashSet<>();
        Set<String> functions = new LinkedHashSet<>();
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = RANGE.matcher(s).replaceAll(" ");
        Matcher sel = SELECTOR.matcher(s);
        while (sel.find()) {
            Matcher m = MATCHER_LABEL.matcher(sel.group(1));
            while (m.find()) {
                labels.add(m.group(1));
            }
        }
        s = SELECTOR.matcher(s).replaceAll(" ");
        Matcher g = GROUPING.matcher(s);
        while (g.find()) {
            for (String l : g.group(2).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.trim());
                }
            }
        }
        s = GROUPING.matcher(s).replaceAll(" ");
        Matcher id = IDENTIFIER.matcher(s);
        while (id.find()) {
            String name = id.group(1);
            if (KEYWORDS.contains(name)) {
                continue;
            }
            if (id.group(2) != null) {
                functions.add(name);
            } else {
                metrics.add(name);
            }
        }
        return new Used(metrics, labels, functions);
    }
}
