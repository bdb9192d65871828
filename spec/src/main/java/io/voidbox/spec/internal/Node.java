package io.voidbox.spec.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed spec document that remembers where each value came from, so every validation error
 * can name its line and column (Jackson's {@code JsonNode} forgets locations).
 */
sealed interface Node {

    /** 1-based position of the first character of this value in the source. */
    Loc loc();

    /** A source position; {@link #NONE} when unknown. */
    record Loc(int line, int column) {
        static final Loc NONE = new Loc(0, 0);
    }

    /** A mapping; iteration order is document order. */
    record MapNode(Loc loc, Map<String, Field> fields) implements Node {
        public MapNode {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    /** One key of a mapping with the position of the key itself. */
    record Field(String key, Loc keyLoc, Node value) {}

    /** A sequence. */
    record ListNode(Loc loc, List<Node> items) implements Node {
        public ListNode {
            items = List.copyOf(items);
        }
    }

    /** A string, number or boolean; {@code text} is the value as written (numbers canonicalised). */
    record Scalar(Loc loc, ScalarType type, String text) implements Node {}

    /** An explicit null or an empty YAML value. */
    record NullNode(Loc loc) implements Node {}

    /** A value the reader already reported as unusable (e.g. a YAML alias); no further errors. */
    record Invalid(Loc loc) implements Node {}

    enum ScalarType {
        STRING("a string"),
        INTEGER("an integer"),
        FLOAT("a number"),
        BOOLEAN("a boolean");

        final String description;

        ScalarType(String description) {
            this.description = description;
        }
    }

    /** How a node is called in "expected X, got Y" messages. */
    static String describe(Node node) {
        return switch (node) {
            case MapNode m -> "a mapping";
            case ListNode l -> "a list";
            case Scalar s -> s.type().description;
            case NullNode n -> "null";
            case Invalid i -> "an unsupported value";
        };
    }
}
