package io.voidbox.spec.internal;

import io.voidbox.spec.Observe;
import java.util.List;
import java.util.Optional;

/** Reads the top-level {@code observe} block into an {@link Observe} with its defaults. */
final class ObserveBlock {
    static final List<String> FIELDS =
            List.of("traces", "metrics", "logs", "otlp_endpoint", "service_name", "telemetry_buffer_size");

    private ObserveBlock() {}

    static Observe read(Optional<Node> node, Errors errors) {
        if (node.isEmpty()) return Observe.DEFAULTS;
        Optional<Fields> of = Fields.of(node.get(), "observe", errors, FIELDS);
        if (of.isEmpty()) return Observe.DEFAULTS;
        Fields o = of.get();
        Observe d = Observe.DEFAULTS;
        Optional<Boolean> logs = o.bool("logs");
        if (logs.isPresent() && !logs.get())
            NotYet.report(errors, o.pathOf("logs"), NotYet.LOGS_OFF, o.keyLocOf("logs"));
        Optional<String> endpoint = o.text("otlp_endpoint", false).filter(url -> {
            if (SpecResolver.isHttpUrl(url)) return true;
            errors.add(
                    o.pathOf("otlp_endpoint"),
                    "must be an absolute http:// or https:// URL, e.g. http://localhost:4317",
                    o.locOf("otlp_endpoint"));
            return false;
        });
        return new Observe(
                o.bool("traces").orElse(d.traces()),
                o.bool("metrics").orElse(d.metrics()),
                true,
                endpoint,
                o.text("service_name", false),
                o.integer("telemetry_buffer_size", 1, Observe.MAX_TELEMETRY_BUFFER_SIZE)
                        .map(Long::intValue)
                        .orElse(d.telemetryBufferSize()));
    }
}
