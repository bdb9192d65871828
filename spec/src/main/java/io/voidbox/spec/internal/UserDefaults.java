package io.voidbox.spec.internal;

import io.voidbox.spec.UserConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Puts the user's configuration under a spec document: its {@code sandbox} and {@code llm}
 * fields are added to the spec's top-level blocks where the spec does not set them, so the
 * resolver then treats them exactly as if the spec had written them. An {@code llm} block whose
 * {@code provider} differs from the spec's is left out (its model and endpoint belong to another
 * provider), and so are {@code backend}/{@code accel} when the spec chooses a {@code sandbox.mode}.
 */
final class UserDefaults {
    private UserDefaults() {}

    static Node under(Node spec, Optional<UserConfig> config) {
        if (config.isEmpty() || !(spec instanceof Node.MapNode root)) return spec;
        // the configuration was validated when it was loaded: read again only for its values
        Node read = new TreeReader(new Errors()).read(config.get().source(), false);
        if (!(read instanceof Node.MapNode defaults)) return spec;
        Map<String, Node.Field> fields = new LinkedHashMap<>(root.fields());
        merge("sandbox", defaults, fields, Set.of("mode"), Set.of("backend", "accel"));
        if (sameProvider(field(fields, "llm"), field(defaults.fields(), "llm")))
            merge("llm", defaults, fields, Set.of(), Set.of());
        return new Node.MapNode(root.loc(), fields);
    }

    /**
     * Adds the defaults' {@code key} block under the spec's; when the spec's block has any of
     * {@code ifSpecHas}, the defaults' {@code thenSkip} fields are left out.
     */
    private static void merge(
            String key,
            Node.MapNode defaults,
            Map<String, Node.Field> spec,
            Set<String> ifSpecHas,
            Set<String> thenSkip) {
        Node.Field wanted = defaults.fields().get(key);
        if (wanted == null || !(wanted.value() instanceof Node.MapNode under)) return;
        Node.Field have = spec.get(key);
        if (have == null || have.value() instanceof Node.NullNode) {
            spec.put(key, wanted);
            return;
        }
        if (!(have.value() instanceof Node.MapNode over)) return; // the resolver reports the type
        boolean skip = ifSpecHas.stream().anyMatch(over.fields()::containsKey);
        Map<String, Node.Field> merged = new LinkedHashMap<>(over.fields());
        for (Node.Field f : under.fields().values())
            if (!(skip && thenSkip.contains(f.key()))) merged.putIfAbsent(f.key(), f);
        spec.put(key, new Node.Field(key, have.keyLoc(), new Node.MapNode(over.loc(), merged)));
    }

    private static Node field(Map<String, Node.Field> fields, String key) {
        Node.Field f = fields.get(key);
        return f == null ? null : f.value();
    }

    private static boolean sameProvider(Node specLlm, Node defaultsLlm) {
        String spec = provider(specLlm);
        return spec == null || spec.equals(provider(defaultsLlm));
    }

    private static String provider(Node llm) {
        if (!(llm instanceof Node.MapNode m)) return null;
        Node.Field p = m.fields().get("provider");
        return p != null && p.value() instanceof Node.Scalar s ? s.text() : null;
    }
}
