package io.voidbox.spec.internal;

import io.voidbox.LlmConfig.Provider;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Accel;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.UserConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Validates the user's configuration file ({@link UserConfig}) with the spec's rules: unknown
 * fields, wrong types and values out of range are errors with their line and column, and the
 * VoidBox fields this runtime does not use yet say so.
 */
public final class UserConfigResolver {
    private static final List<String> TOP_FIELDS =
            List.of("log_level", "paths", "sandbox", "llm", "daemon_url", "banner");
    private static final List<String> PATHS_FIELDS =
            List.of("log_dir", "state_dir", "snapshot_dir", "kernel", "initramfs");
    static final List<String> SANDBOX_FIELDS =
            List.of("backend", "accel", "memory_mb", "vcpus", "network", "telemetry_interval_ms");
    static final List<String> LLM_FIELDS = List.of("provider", "model", "base_url", "api_key_env");

    private final Errors errors = new Errors();
    private final Path file;

    private UserConfigResolver(Path file) {
        this.file = file;
    }

    /** Reads and checks a configuration; an empty (or comments-only) file is an empty configuration. */
    public static UserConfig resolve(String content, String display, Path file) throws SpecException {
        UserConfigResolver r = new UserConfigResolver(file);
        if (content.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#")))
            return new UserConfig(file, Optional.empty(), Optional.empty(), Map.of(), Map.of(), content);
        Node root = new TreeReader(r.errors).read(content, false);
        UserConfig config = root == null ? null : r.resolve(root, content);
        if (!r.errors.isEmpty() || config == null) throw new SpecException(display, r.errors.sorted());
        return config;
    }

    private UserConfig resolve(Node root, String content) {
        Optional<Fields> top = Fields.of(root, Errors.ROOT, errors, TOP_FIELDS);
        if (top.isEmpty()) return null;
        Fields f = top.get();
        Optional<String> level = f.string("log_level", false);
        if (level.isPresent() && !UserConfig.LOG_LEVELS.contains(level.get())) {
            errors.add(
                    "log_level",
                    "invalid value '" + level.get() + "' (expected one of: " + String.join(", ", UserConfig.LOG_LEVELS)
                            + ")",
                    f.locOf("log_level"));
            level = Optional.empty();
        }
        notYet(f, "daemon_url", "this runtime runs in the calling process; there is no daemon");
        notYet(f, "banner", "the command prints no banner");
        Optional<Path> logDir = Optional.empty();
        Optional<Node> paths = f.value("paths");
        if (paths.isPresent()) {
            Optional<Fields> pf = Fields.of(paths.get(), "paths", errors, PATHS_FIELDS);
            if (pf.isPresent()) {
                Fields p = pf.get();
                logDir = p.text("log_dir", false).flatMap(d -> logDir(d, p));
                notYet(p, "state_dir", "runs keep no state between invocations");
                notYet(p, "snapshot_dir", "VM snapshots are not supported");
                notYet(p, "kernel", "the guest image is built and cached by the runtime");
                notYet(p, "initramfs", "the guest image is built and cached by the runtime");
            }
        }
        Map<String, String> sandbox = f.value("sandbox").map(this::sandbox).orElse(Map.of());
        Map<String, String> llm = f.value("llm").map(this::llm).orElse(Map.of());
        return new UserConfig(file, level, logDir, sandbox, llm, content);
    }

    /** {@code log_dir}: absolute, {@code ~/...}, or relative to the configuration file's directory. */
    private Optional<Path> logDir(String dir, Fields p) {
        try {
            if (dir.equals("~") || dir.startsWith("~/"))
                return Optional.of(Path.of(System.getProperty("user.home") + dir.substring(1)));
            return Optional.of(file.getParent().resolve(dir).normalize());
        } catch (InvalidPathException e) {
            errors.add(p.pathOf("log_dir"), "invalid path '" + dir + "'", p.locOf("log_dir"));
            return Optional.empty();
        }
    }

    /** The settings of one block ({@code sandbox}, {@code llm}) as written, in order; empty when absent. */
    private Map<String, String> block(
            Node node, String name, List<String> fields, BiConsumer<Fields, Map<String, String>> read) {
        Optional<Fields> block = Fields.of(node, name, errors, fields);
        if (block.isEmpty()) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        read.accept(block.get(), out);
        return out;
    }

    private Map<String, String> sandbox(Node node) {
        return block(node, "sandbox", SANDBOX_FIELDS, this::sandbox);
    }

    private void sandbox(Fields s, Map<String, String> out) {
        s.choice("backend", false, Backend.values(), Backend::id).ifPresent(b -> out.put("backend", b.id()));
        s.choice("accel", false, Accel.values(), Accel::id).ifPresent(a -> out.put("accel", a.id()));
        s.integer("memory_mb", SandboxOptions.MIN_MEMORY_MB, SandboxOptions.MAX_MEMORY_MB)
                .ifPresent(m -> out.put("memory_mb", m.toString()));
        s.integer("vcpus", 1, SandboxOptions.MAX_VCPUS).ifPresent(v -> out.put("vcpus", v.toString()));
        s.networkMode("network").ifPresent(n -> out.put("network", n.id()));
        s.integer(
                        "telemetry_interval_ms",
                        SandboxOptions.MIN_TELEMETRY_INTERVAL_MS,
                        SandboxOptions.MAX_TELEMETRY_INTERVAL_MS)
                .ifPresent(t -> out.put("telemetry_interval_ms", t.toString()));
    }

    private Map<String, String> llm(Node node) {
        return block(node, "llm", LLM_FIELDS, this::llm);
    }

    private void llm(Fields l, Map<String, String> out) {
        l.choice("provider", false, Provider.values(), Provider::id).ifPresent(p -> out.put("provider", p.id()));
        l.text("model", false).ifPresent(m -> out.put("model", m));
        l.text("base_url", false).ifPresent(u -> {
            if (!u.startsWith("http://") && !u.startsWith("https://"))
                errors.add(l.pathOf("base_url"), "must be an http(s) URL, got '" + u + "'", l.locOf("base_url"));
            else out.put("base_url", u);
        });
        l.text("api_key_env", false).ifPresent(k -> {
            if (!Fields.ENV_NAME.matcher(k).matches())
                errors.add(
                        l.pathOf("api_key_env"),
                        "must be the NAME of an environment variable (" + Fields.ENV_NAME.pattern() + "), not a key",
                        l.locOf("api_key_env"));
            else out.put("api_key_env", k);
        });
    }

    private void notYet(Fields f, String key, String why) {
        if (!f.absent(key))
            errors.add(
                    f.pathOf(key),
                    "not supported yet (" + why + ")",
                    f.map.fields().get(key).keyLoc());
    }
}
