package io.voidbox.spec.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML or JSON into a {@link Node} tree, keeping the {@link JsonLocation} of every value and
 * key. Duplicate keys are reported (the first occurrence wins); syntax errors become a single
 * error at the parser's position.
 */
final class TreeReader {

    /** Deeper documents are not specs; bounds recursion on hostile input. */
    static final int MAX_DEPTH = 64;

    private final Errors errors;

    TreeReader(Errors errors) {
        this.errors = errors;
    }

    /** Parses {@code content}; returns null (with errors recorded) when it is not a usable document. */
    Node read(String content, boolean json) {
        JsonFactory factory = json ? new JsonFactory() : new YAMLFactory();
        factory.setStreamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build());
        try (JsonParser parser = factory.createParser(content)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                errors.add("(root)", "the document is empty", new Node.Loc(1, 1));
                return null;
            }
            Node root = readValue(parser, "(root)", 0);
            JsonToken extra = parser.nextToken();
            if (extra != null) {
                errors.add(
                        "(root)",
                        "only one document is allowed, found more after the first",
                        loc(parser.currentTokenLocation()));
            }
            return root;
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblem() != null) {
                errors.add("(syntax)", yamlMessage(yaml), loc(yaml.getProblemMark(), e.getLocation()));
                return null;
            }
            JsonLocation where = e.getLocation();
            errors.add("(syntax)", oneLine(e.getOriginalMessage()), where == null ? Node.Loc.NONE : loc(where));
            return null;
        } catch (IOException e) {
            errors.add("(syntax)", "cannot read: " + oneLine(e.getMessage()), Node.Loc.NONE);
            return null;
        }
    }

    private Node readValue(JsonParser parser, String path, int depth) throws IOException {
        Node.Loc loc = loc(parser.currentTokenLocation());
        JsonToken token = parser.currentToken();
        if (depth > MAX_DEPTH) {
            throw new JsonParseException(parser, "the document nests deeper than " + MAX_DEPTH + " levels");
        }
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            errors.add(path, "YAML aliases (*" + parser.getText() + ") are not supported: write the value out", loc);
            return new Node.Invalid(loc);
        }
        return switch (token) {
            case START_OBJECT -> readMap(parser, path, loc, depth);
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser, path + "[" + items.size() + "]", depth + 1));
                }
                yield new Node.ListNode(loc, items);
            }
            case VALUE_STRING -> new Node.Scalar(loc, Node.ScalarType.STRING, parser.getText());
            case VALUE_NUMBER_INT ->
                new Node.Scalar(
                        loc,
                        Node.ScalarType.INTEGER,
                        parser.getBigIntegerValue().toString());
            case VALUE_NUMBER_FLOAT -> new Node.Scalar(loc, Node.ScalarType.FLOAT, parser.getText());
            case VALUE_TRUE -> new Node.Scalar(loc, Node.ScalarType.BOOLEAN, "true");
            case VALUE_FALSE -> new Node.Scalar(loc, Node.ScalarType.BOOLEAN, "false");
            case VALUE_NULL -> new Node.NullNode(loc);
            default -> {
                errors.add(path, "unsupported value (binary or tagged YAML values are not allowed)", loc);
                yield new Node.Invalid(loc);
            }
        };
    }

    private Node readMap(JsonParser parser, String path, Node.Loc loc, int depth) throws IOException {
        Map<String, Node.Field> fields = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            Node.Loc keyLoc = loc(parser.currentTokenLocation());
            parser.nextToken();
            String childPath = Errors.child(path, key);
            Node value = readValue(parser, childPath, depth + 1);
            Node.Field previous = fields.get(key);
            if (previous != null) {
                errors.add(
                        childPath,
                        "duplicate field (first defined at line "
                                + previous.keyLoc().line() + ")",
                        keyLoc);
            } else {
                fields.put(key, new Node.Field(key, keyLoc, value));
            }
        }
        return new Node.MapNode(loc, fields);
    }

    private static Node.Loc loc(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return Node.Loc.NONE;
        }
        return new Node.Loc(location.getLineNr(), Math.max(location.getColumnNr(), 1));
    }

    private static String yamlMessage(MarkedYAMLException e) {
        String problem = oneLine(e.getProblem());
        if (e.getContext() == null) {
            return problem;
        }
        Mark context = e.getContextMark();
        return problem + " (" + oneLine(e.getContext())
                + (context != null
                        ? " started at line " + (context.getLine() + 1) + ", column " + (context.getColumn() + 1)
                        : "")
                + ")";
    }

    private static Node.Loc loc(Mark mark, JsonLocation fallback) {
        return mark != null
                ? new Node.Loc(mark.getLine() + 1, mark.getColumn() + 1)
                : fallback == null ? Node.Loc.NONE : loc(fallback);
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        String trimmed = message.strip();
        int newline = trimmed.indexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
    }
}
