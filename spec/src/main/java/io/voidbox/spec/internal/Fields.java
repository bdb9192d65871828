package io.voidbox.spec.internal;

import io.voidbox.SandboxOptions;
import io.voidbox.SpecEnum;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Typed, error-reporting access to the fields of one mapping of the document. Every accessor
 * records a precise error (path, message, position) and returns empty on failure, so validation
 * continues and reports everything at once. An explicit {@code null} counts as absent.
 */
final class Fields {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    static final int MAX_NAME_LENGTH = 63;
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    final Node.MapNode map;
    final String path;
    final Errors errors;

    private Fields(Node.MapNode map, String path, Errors errors) {
        this.map = map;
        this.path = path;
        this.errors = errors;
    }

    /**
     * A view of {@code node} if it is a mapping (reporting every key not in {@code allowed}), else
     * empty with a type error.
     */
    static Optional<Fields> of(Node node, String path, Errors errors, List<String> allowed) {
        if (!(node instanceof Node.MapNode map)) {
            if (!(node instanceof Node.Invalid)) {
                errors.add(path, "expected a mapping, got " + Node.describe(node), node.loc());
            }
            return Optional.empty();
        }
        for (Node.Field field : map.fields().values()) {
            if (!allowed.contains(field.key())) {
                errors.add(
                        Errors.child(path, field.key()),
                        "unknown field '" + field.key() + "' (allowed: " + String.join(", ", allowed) + ")",
                        field.keyLoc());
            }
        }
        return Optional.of(new Fields(map, path, errors));
    }

    Node.Loc loc() {
        return map.loc();
    }

    String pathOf(String key) {
        return Errors.child(path, key);
    }

    /** The value of {@code key}, empty when absent, null or already reported as invalid. */
    Optional<Node> value(String key) {
        Node.Field field = map.fields().get(key);
        if (field == null || field.value() instanceof Node.NullNode || field.value() instanceof Node.Invalid) {
            return Optional.empty();
        }
        return Optional.of(field.value());
    }

    /** True when {@code key} is not given at all (or given as null). */
    boolean absent(String key) {
        Node.Field field = map.fields().get(key);
        return field == null || field.value() instanceof Node.NullNode;
    }

    boolean has(String key) {
        return value(key).isPresent();
    }

    Node.Loc locOf(String key) {
        return value(key).map(Node::loc).orElse(map.loc());
    }

    /** Where {@code key} itself is written (this mapping's position when absent). */
    Node.Loc keyLocOf(String key) {
        Node.Field field = map.fields().get(key);
        return field == null ? map.loc() : field.keyLoc();
    }

    /** Reports {@code key} as missing (at this mapping's position). */
    void missing(String key) {
        errors.add(pathOf(key), "missing", map.loc());
    }

    Optional<String> string(String key, boolean required) {
        Optional<Node> value = value(key);
        if (value.isEmpty()) {
            if (required && absent(key)) {
                missing(key);
            }
            return Optional.empty();
        }
        return asString(value.get(), pathOf(key), errors);
    }

    /** A string that must not be blank. */
    Optional<String> text(String key, boolean required) {
        Optional<String> s = string(key, required);
        if (s.isPresent() && s.get().isBlank()) {
            errors.add(pathOf(key), "must not be empty", locOf(key));
            return Optional.empty();
        }
        return s;
    }

    /** A name usable as box/VM name. */
    Optional<String> name(String key, boolean required) {
        Optional<String> s = string(key, required);
        if (s.isPresent() && !validName(s.get())) {
            errors.add(
                    pathOf(key),
                    "invalid name '" + s.get() + "': must match " + NAME.pattern() + " and have at most "
                            + MAX_NAME_LENGTH + " characters",
                    locOf(key));
            return Optional.empty();
        }
        return s;
    }

    static boolean validName(String s) {
        return s.length() <= MAX_NAME_LENGTH && NAME.matcher(s).matches();
    }

    Optional<Long> integer(String key, long min, long max) {
        Optional<Node.Scalar> value = scalar(key, Node.ScalarType.INTEGER, "an integer");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        BigInteger n = new BigInteger(value.get().text());
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            errors.add(
                    pathOf(key),
                    "must be between " + min + " and " + max + ", got " + n,
                    value.get().loc());
            return Optional.empty();
        }
        return Optional.of(n.longValueExact());
    }

    Optional<Boolean> bool(String key) {
        return scalar(key, Node.ScalarType.BOOLEAN, "a boolean").map(s -> Boolean.parseBoolean(s.text()));
    }

    private Optional<Node.Scalar> scalar(String key, Node.ScalarType type, String expected) {
        return typed(key, false, n -> n instanceof Node.Scalar s && s.type() == type, expected)
                .map(Node.Scalar.class::cast);
    }

    /**
     * The value of {@code key} when {@code accepted} (else a type error saying it expected
     * {@code expected}); empty, and reported missing if {@code required}, when absent.
     */
    private Optional<Node> typed(String key, boolean required, Predicate<Node> accepted, String expected) {
        Optional<Node> value = value(key);
        if (value.isEmpty()) {
            if (required && absent(key)) {
                missing(key);
            }
            return Optional.empty();
        }
        if (!accepted.test(value.get())) {
            errors.add(
                    pathOf(key),
                    "expected " + expected + ", got " + Node.describe(value.get()),
                    value.get().loc());
            return Optional.empty();
        }
        return value;
    }

    /** {@code sandbox.network}: a mode ({@code restricted}, {@code open}, {@code off}) or VoidBox's boolean. */
    Optional<SandboxOptions.Network.Mode> networkMode(String key) {
        Optional<Node> value = value(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.BOOLEAN) {
            return Optional.of(
                    SandboxOptions.Network.of(Boolean.parseBoolean(s.text())).mode());
        }
        if (value.get() instanceof Node.Scalar s && s.type() == Node.ScalarType.STRING) {
            try {
                return Optional.of(SpecEnum.parse("sandbox.network", s.text(), SandboxOptions.Network.Mode.values()));
            } catch (IllegalArgumentException e) {
                errors.add(
                        pathOf(key),
                        "invalid value '" + s.text() + "' (expected restricted, open, off, true = open or false ="
                                + " restricted)",
                        s.loc());
                return Optional.empty();
            }
        }
        errors.add(
                pathOf(key),
                "expected restricted, open, off or a boolean, got " + Node.describe(value.get()),
                value.get().loc());
        return Optional.empty();
    }

    /** {@code sandbox.allow}: a list of {@code HOST:PORT} entries, each error at its item. */
    Optional<List<SandboxOptions.Network.Endpoint>> allowList(String key) {
        Optional<Node.ListNode> list = list(key, false);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<SandboxOptions.Network.Endpoint> out = new ArrayList<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = Errors.index(pathOf(key), i);
            Node item = items.get(i);
            Optional<String> s = asString(item, itemPath, errors);
            if (s.isEmpty()) continue;
            try {
                out.add(SandboxOptions.Network.Endpoint.parse(s.get()));
            } catch (IllegalArgumentException e) {
                errors.add(itemPath, e.getMessage().replaceFirst("^sandbox\\.allow: ", ""), item.loc());
            }
        }
        return Optional.of(out);
    }

    <E extends Enum<E>> Optional<E> choice(String key, boolean required, E[] values, Function<E, String> id) {
        Optional<String> s = string(key, required);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>();
        for (E e : values) {
            if (id.apply(e).equals(s.get())) {
                return Optional.of(e);
            }
            ids.add(id.apply(e));
        }
        errors.add(
                pathOf(key),
                "invalid value '" + s.get() + "' (expected one of: " + String.join(", ", ids) + ")",
                locOf(key));
        return Optional.empty();
    }

    /** The items of a list value, empty (with a type error) when it is not a list. */
    Optional<Node.ListNode> list(String key, boolean required) {
        return typed(key, required, n -> n instanceof Node.ListNode, "a list").map(Node.ListNode.class::cast);
    }

    /** A list of non-empty strings. */
    Optional<List<String>> strings(String key) {
        Optional<Node.ListNode> list = list(key, false);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = Errors.index(pathOf(key), i);
            Optional<String> s = asString(items.get(i), itemPath, errors);
            if (s.isPresent() && s.get().isBlank()) {
                errors.add(itemPath, "must not be empty", items.get(i).loc());
            } else {
                s.ifPresent(out::add);
            }
        }
        return Optional.of(out);
    }

    static Optional<String> asString(Node node, String path, Errors errors) {
        if (node instanceof Node.Scalar s && s.type() == Node.ScalarType.STRING) {
            return Optional.of(s.text());
        }
        if (node instanceof Node.Invalid) {
            return Optional.empty();
        }
        errors.add(path, "expected a string, got " + Node.describe(node), node.loc());
        return Optional.empty();
    }
}
