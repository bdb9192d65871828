package io.voidbox.spec.internal;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Accel;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.SandboxOptions.Network;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A spec's {@code sandbox} block, top-level or a box's: read with every error recorded (VoidBox's
 * {@code mode} beside our {@code backend}; what this runtime does not do yet refused by name), then
 * merged, a box's over the top-level one over the core's {@link SandboxOptions#defaults()}.
 */
final class SandboxBlock {
    static final List<String> FIELDS = List.of(
            "backend",
            "mode",
            "accel",
            "memory_mb",
            "vcpus",
            "network",
            "allow",
            "env",
            "mounts",
            "telemetry_interval_ms",
            "kernel",
            "initramfs",
            "image",
            "guest_image",
            "snapshot");
    private static final List<String> MOUNT_FIELDS = List.of("host", "guest", "mode");

    /**
     * Where a box runs, as declared by our {@code backend} or VoidBox's {@code mode}.
     *
     * @param mock VoidBox's {@code mode: mock}: no VM and no real model (the scripted model)
     */
    record Isolation(Backend backend, boolean mock) {}

    /** VoidBox's {@code sandbox.mode}: {@code local} is a micro-VM on this host, {@code mock} the local sandbox and the scripted model. */
    enum Mode {
        AUTO("auto", new Isolation(Backend.AUTO, false)),
        LOCAL("local", new Isolation(Backend.VM, false)),
        MOCK("mock", new Isolation(Backend.LOCAL, true));

        final String id;
        final Isolation isolation;

        Mode(String id, Isolation isolation) {
            this.id = id;
            this.isolation = isolation;
        }
    }

    /** Declared {@code sandbox.network} and {@code sandbox.allow}; a box's own replace the top-level ones. */
    record NetworkDecl(Optional<Network.Mode> mode, Optional<List<Network.Endpoint>> allow) {
        static final NetworkDecl ABSENT = new NetworkDecl(Optional.empty(), Optional.empty());

        Network merge(NetworkDecl top, Network defaults) {
            return new Network(
                    mode.or(top::mode).orElse(defaults.mode()),
                    allow.or(top::allow).orElse(defaults.allow()));
        }
    }

    /** Declared (not yet merged) settings of one block. */
    record Decl(
            Optional<Isolation> isolation,
            Optional<Accel> accel,
            Optional<Integer> memoryMb,
            Optional<Integer> vcpus,
            NetworkDecl network,
            Map<String, String> env,
            Optional<List<Mount>> mounts,
            Optional<Long> telemetryIntervalMs) {
        static final Decl ABSENT = new Decl(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                NetworkDecl.ABSENT,
                Map.of(),
                Optional.empty(),
                Optional.empty());
    }

    private final Errors errors;
    private final Path baseDir;

    SandboxBlock(Errors errors, Path baseDir) {
        this.errors = errors;
        this.baseDir = baseDir;
    }

    private NetworkDecl network(Fields s) {
        NetworkDecl n = new NetworkDecl(s.networkMode("network"), s.allowList("allow"));
        if (n.mode().filter(m -> m == Network.Mode.OFF).isPresent()
                && n.allow().filter(a -> !a.isEmpty()).isPresent())
            errors.add(s.pathOf("allow"), "must be empty when sandbox.network is off", s.locOf("allow"));
        return n;
    }

    /** The block at {@code node} ({@code path} for errors), or {@link Decl#ABSENT} when it is not a mapping. */
    Decl read(Node node, String path) {
        Optional<Fields> sf = Fields.of(node, path, errors, FIELDS);
        if (sf.isEmpty()) {
            return Decl.ABSENT;
        }
        Fields s = sf.get();
        Optional<Isolation> isolation =
                s.choice("backend", false, Backend.values(), Backend::id).map(b -> new Isolation(b, false));
        Optional<Mode> mode = s.choice("mode", false, Mode.values(), m -> m.id);
        if (mode.isPresent() && s.has("backend")) {
            errors.add(
                    s.pathOf("mode"),
                    "give either mode (VoidBox: auto, local = micro-VM, mock) or backend (auto, vm, local, namespace), not both",
                    s.locOf("mode"));
        }
        isolation = isolation.or(() -> mode.map(m -> m.isolation));
        for (String file : List.of("kernel", "initramfs")) {
            s.text(file, false).ifPresent(f -> {
                try {
                    Path p = baseDir.resolve(f).normalize();
                    if (!Files.isRegularFile(p)) {
                        errors.add(s.pathOf(file), "file not found: " + p, s.locOf(file));
                        return;
                    }
                } catch (InvalidPathException e) {
                    errors.add(s.pathOf(file), "invalid path '" + f + "'", s.locOf(file));
                    return;
                }
                NotYet.report(
                        errors,
                        s.pathOf(file),
                        file.equals("kernel") ? NotYet.KERNEL : NotYet.INITRAMFS,
                        s.keyLocOf(file));
            });
        }
        NotYet.ifGiven(s, "image", NotYet.IMAGE);
        NotYet.ifGiven(s, "snapshot", NotYet.SNAPSHOT);
        s.string("guest_image", false)
                .filter(g -> !g.isEmpty())
                .ifPresent(g ->
                        NotYet.report(errors, s.pathOf("guest_image"), NotYet.GUEST_IMAGE, s.keyLocOf("guest_image")));
        return new Decl(
                isolation,
                s.choice("accel", false, Accel.values(), Accel::id),
                s.integer("memory_mb", SandboxOptions.MIN_MEMORY_MB, SandboxOptions.MAX_MEMORY_MB)
                        .map(Long::intValue),
                s.integer("vcpus", 1, SandboxOptions.MAX_VCPUS).map(Long::intValue),
                network(s),
                env(s, errors),
                mounts(s),
                s.integer(
                        "telemetry_interval_ms",
                        SandboxOptions.MIN_TELEMETRY_INTERVAL_MS,
                        SandboxOptions.MAX_TELEMETRY_INTERVAL_MS));
    }

    /**
     * Environment variables; scalar values (e.g. {@code DEBUG: 1}) are taken as written, an empty
     * one passes the host's variable through when the box starts.
     */
    static Map<String, String> env(Fields s, Errors errors) {
        Optional<Node> value = s.value("env");
        if (value.isEmpty()) {
            return Map.of();
        }
        String path = s.pathOf("env");
        if (!(value.get() instanceof Node.MapNode map)) {
            errors.add(
                    path,
                    "expected a mapping, got " + Node.describe(value.get()),
                    value.get().loc());
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Node.Field field : map.fields().values()) {
            String keyPath = Errors.child(path, field.key());
            if (!Fields.ENV_NAME.matcher(field.key()).matches()) {
                errors.add(
                        keyPath,
                        "invalid environment variable name (must match " + Fields.ENV_NAME.pattern() + ")",
                        field.keyLoc());
            } else if (field.value() instanceof Node.Scalar scalar) {
                env.put(field.key(), scalar.text());
            } else if (!(field.value() instanceof Node.Invalid)) {
                errors.add(
                        keyPath,
                        "expected a string, got " + Node.describe(field.value()),
                        field.value().loc());
            }
        }
        return env;
    }

    private Optional<List<Mount>> mounts(Fields s) {
        Optional<Node.ListNode> list = s.list("mounts", false);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<Mount> mounts = new ArrayList<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            Optional<Fields> mf = Fields.of(items.get(i), Errors.index(s.pathOf("mounts"), i), errors, MOUNT_FIELDS);
            if (mf.isEmpty()) {
                continue;
            }
            Fields m = mf.get();
            Optional<String> host = m.text("host", true);
            Optional<String> guest = m.text("guest", true);
            Optional<String> mode = m.text("mode", false);
            boolean ok = host.isPresent() && guest.isPresent();
            if (guest.isPresent() && !guest.get().startsWith("/")) {
                errors.add(m.pathOf("guest"), "must be an absolute path, got '" + guest.get() + "'", m.locOf("guest"));
                ok = false;
            }
            if (mode.isPresent() && !mode.get().equals("ro") && !mode.get().equals("rw")) {
                errors.add(
                        m.pathOf("mode"),
                        "invalid value '" + mode.get() + "' (expected one of: ro, rw)",
                        m.locOf("mode"));
                ok = false;
            }
            Path hostPath = null;
            if (host.isPresent()) {
                try {
                    hostPath = baseDir.resolve(host.get()).normalize();
                } catch (InvalidPathException e) {
                    errors.add(m.pathOf("host"), "invalid path '" + host.get() + "'", m.locOf("host"));
                    ok = false;
                }
            }
            if (ok) {
                mounts.add(new Mount(hostPath, guest.get(), !mode.orElse("ro").equals("rw")));
            }
        }
        return Optional.of(mounts);
    }

    private static Network network(NetworkDecl box, NetworkDecl top, Network defaults) {
        try {
            return box.merge(top, defaults);
        } catch (IllegalArgumentException e) {
            return new Network(Network.Mode.OFF, List.of()); // off with allow entries: reported where declared
        }
    }

    /** A box's block over the top-level one over the core's defaults ({@code env} merged by name). */
    static SandboxOptions merge(Decl top, Decl box) {
        SandboxOptions d = SandboxOptions.defaults();
        Map<String, String> env = new LinkedHashMap<>(top.env());
        env.putAll(box.env());
        return new SandboxOptions(
                box.isolation().or(top::isolation).map(Isolation::backend).orElse(d.backend()),
                box.accel().or(top::accel).orElse(d.accel()),
                box.memoryMb().or(top::memoryMb).orElse(d.memoryMb()),
                box.vcpus().or(top::vcpus).orElse(d.vcpus()),
                network(box.network(), top.network(), d.network()),
                env,
                box.mounts().or(top::mounts).orElse(d.mounts()),
                box.telemetryIntervalMs().or(top::telemetryIntervalMs).orElse(d.telemetryIntervalMs()));
    }
}
