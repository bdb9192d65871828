package io.voidbox.observability;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The OTLP export configuration resolved from the environment ({@code docs/observability.md},
 * section 4), or the reasons it could not be resolved. Parsing never throws: each malformed
 * variable yields one line that names it (and never echoes a header value), and export is then
 * disabled; a bad sampler ratio only falls back to the default.
 */
record OtlpSettings(
        URI endpoint,
        String endpointVariable,
        Protocol protocol,
        String serviceName,
        Map<String, String> headers,
        double samplerRatio,
        boolean debug) {

    static final String VOIDBOX_OTLP_ENDPOINT = "VOIDBOX_OTLP_ENDPOINT";
    static final String OTEL_EXPORTER_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
    static final String VOIDBOX_SERVICE_NAME = "VOIDBOX_SERVICE_NAME";
    static final String OTEL_EXPORTER_OTLP_HEADERS = "OTEL_EXPORTER_OTLP_HEADERS";
    static final String VOIDBOX_OTLP_HEADERS = "VOIDBOX_OTLP_HEADERS";
    static final String VOIDBOX_OTEL_DEBUG = "VOIDBOX_OTEL_DEBUG";
    static final String VOIDBOX_OTLP_PROTOCOL = "VOIDBOX_OTLP_PROTOCOL";
    static final String OTEL_EXPORTER_OTLP_PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL";
    static final String VOIDBOX_TRACES_SAMPLER_RATIO = "VOIDBOX_TRACES_SAMPLER_RATIO";
    static final String DEFAULT_SERVICE_NAME = "void-box";

    enum Protocol {
        GRPC("grpc"),
        HTTP_PROTOBUF("http/protobuf");

        final String id;

        Protocol(String id) {
            this.id = id;
        }
    }

    OtlpSettings {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** Outcome of parsing: settings when export is possible, plus the lines to print either way. */
    record Resolution(Optional<OtlpSettings> settings, List<String> problems, boolean debug, String serviceName) {}

    /** OTLP/HTTP signal URL: {@code <base>/v1/traces}, keeping any base path (OTel spec). */
    URI signalUrl(String signal) {
        String base = endpoint.toString();
        return URI.create(base + (base.endsWith("/") ? "" : "/") + "v1/" + signal);
    }

    /** The endpoint without user info, for messages. */
    String endpointForDisplay() {
        return redact(endpoint.toString());
    }

    static Resolution resolve(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        boolean debug = isTrue(env.get(VOIDBOX_OTEL_DEBUG));
        String serviceName = nonBlank(env.get(VOIDBOX_SERVICE_NAME))
                ? env.get(VOIDBOX_SERVICE_NAME).trim()
                : DEFAULT_SERVICE_NAME;

        double ratio = 1.0;
        String ratioText = env.get(VOIDBOX_TRACES_SAMPLER_RATIO);
        if (nonBlank(ratioText)) {
            try {
                ratio = Double.parseDouble(ratioText.trim());
                if (!(ratio >= 0.0 && ratio <= 1.0)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.add("otel: " + VOIDBOX_TRACES_SAMPLER_RATIO + "='" + clip(ratioText)
                        + "' is not a number between 0 and 1; sampling every trace (1.0)");
                ratio = 1.0;
            }
        }

        String endpointVariable = nonBlank(env.get(VOIDBOX_OTLP_ENDPOINT))
                ? VOIDBOX_OTLP_ENDPOINT
                : nonBlank(env.get(OTEL_EXPORTER_OTLP_ENDPOINT)) ? OTEL_EXPORTER_OTLP_ENDPOINT : null;
        if (endpointVariable == null) {
            return new Resolution(Optional.empty(), problems, debug, serviceName);
        }
        boolean usable = true;
        URI endpoint = null;
        String endpointText = env.get(endpointVariable).trim();
        String endpointProblem = checkEndpoint(endpointText);
        if (endpointProblem != null) {
            problems.add("otel: " + endpointVariable + "='" + clip(redact(endpointText)) + "' " + endpointProblem
                    + "; continuing without OpenTelemetry export");
            usable = false;
        } else {
            endpoint = URI.create(endpointText);
        }

        Protocol protocol = Protocol.GRPC;
        String protocolVariable = nonBlank(env.get(VOIDBOX_OTLP_PROTOCOL))
                ? VOIDBOX_OTLP_PROTOCOL
                : nonBlank(env.get(OTEL_EXPORTER_OTLP_PROTOCOL)) ? OTEL_EXPORTER_OTLP_PROTOCOL : null;
        if (protocolVariable != null) {
            String p = env.get(protocolVariable).trim().toLowerCase(Locale.ROOT);
            switch (p) {
                case "grpc" -> protocol = Protocol.GRPC;
                case "http/protobuf" -> protocol = Protocol.HTTP_PROTOBUF;
                default -> {
                    problems.add(
                            "otel: " + protocolVariable + "='" + clip(env.get(protocolVariable))
                                    + "' is not supported (use grpc or http/protobuf); continuing without OpenTelemetry export");
                    usable = false;
                }
            }
        }

        Map<String, String> headers = new LinkedHashMap<>();
        for (String variable : List.of(OTEL_EXPORTER_OTLP_HEADERS, VOIDBOX_OTLP_HEADERS)) {
            String text = env.get(variable);
            if (!nonBlank(text)) {
                continue;
            }
            try {
                headers.putAll(parseHeaders(text)); // later variable wins per key
            } catch (IllegalArgumentException e) {
                problems.add("otel: " + variable + " " + e.getMessage() + "; continuing without OpenTelemetry export");
                usable = false;
            }
        }
        if (!usable) {
            return new Resolution(Optional.empty(), problems, debug, serviceName);
        }
        return new Resolution(
                Optional.of(new OtlpSettings(endpoint, endpointVariable, protocol, serviceName, headers, ratio, debug)),
                problems,
                debug,
                serviceName);
    }

    /** Null when usable, else what is wrong (without the value). */
    private static String checkEndpoint(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return "is not a valid URL (" + e.getReason() + ")";
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            return "must start with http:// or https://";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "has no host (expected e.g. http://localhost:4317)";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not contain credentials (put them in OTEL_EXPORTER_OTLP_HEADERS)";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "must not have a query or fragment";
        }
        return null;
    }

    /**
     * {@code key=value,key2=value2}; keys are lower-cased (header names are case-insensitive),
     * values percent-decoded (W3C baggage style: {@code +} stays {@code +}). Messages name the
     * entry by position only: a malformed entry may well be a secret.
     */
    static Map<String, String> parseHeaders(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] entries = text.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("entry " + (i + 1) + " is not key=value");
            }
            String key = entry.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (key.isEmpty() || !key.chars().allMatch(OtlpSettings::isTokenChar)) {
                throw new IllegalArgumentException("entry " + (i + 1) + " has an invalid header name");
            }
            String value;
            try {
                value = percentDecode(entry.substring(eq + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + (i + 1) + " ('" + key + "') has a malformed %-escape");
            }
            if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw new IllegalArgumentException(
                        "entry " + (i + 1) + " ('" + key + "') has a control character in its value");
            }
            out.put(key, value);
        }
        return out;
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException();
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException();
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.indexOf('@');
        int slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (at > 0 && (slash < 0 || at < slash)) {
            return (scheme >= 0 ? url.substring(0, scheme + 3) : "") + "***@" + url.substring(at + 1);
        }
        return url;
    }

    private static String clip(String s) {
        String t = s.replaceAll("[\\r\\n]", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static boolean isTrue(String s) {
        return s != null && (s.trim().equals("1") || s.trim().equalsIgnoreCase("true"));
    }
}
