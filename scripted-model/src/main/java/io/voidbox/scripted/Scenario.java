package io.voidbox.scripted;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The script a {@link ScriptedModelServer} route plays back: the model's answers, in order. Lets
 * the real Claude Code CLI run deterministic, offline conversations that really execute tools.
 *
 * <p>File format (YAML or JSON), see {@code docs/scripted-model.md}:
 * <pre>{@code
 * model: claude-sonnet-4-5        # optional: the model echoed back
 * turns:
 *   - text: "I'll look."           # optional text block
 *     tool_use: [{name: Bash, input: {command: "ls"}}]
 *     usage: {input_tokens: 1200, output_tokens: 80}
 *   - error: {status: 500, type: api_error, message: overloaded}
 *   - text: "Done."
 *     repeat: 3                    # optional: play this turn 3 times in a row
 * subagent_turns:                  # optional: what every subagent conversation gets
 *   - text: "Sub done."
 * }</pre>
 *
 * @param model         model name echoed in answers ({@code null}: echo the requested model)
 * @param turns         the answers, in order ({@code repeat} already expanded)
 * @param subagentTurns the answers of each subagent's own conversation (requests carrying
 *                      {@link ScriptedModelServer#AGENT_HEADER}); empty: subagents' requests take the
 *                      main conversation's next turns, as they always did
 */
public record Scenario(String model, List<Turn> turns, List<Turn> subagentTurns) {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Set<String> TOP_FIELDS = Set.of("model", "turns", "subagent_turns");
    private static final Set<String> TURN_FIELDS = Set.of("text", "tool_use", "usage", "error", "repeat", "cut");
    /** Most times one turn may be repeated (a loop long enough for any turn limit a test sets). */
    static final int MAX_REPEAT = 10_000;

    private static final Set<String> TOOL_FIELDS = Set.of("name", "input");
    private static final Set<String> USAGE_FIELDS =
            Set.of("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens");
    private static final Set<String> ERROR_FIELDS = Set.of("status", "type", "message");

    public Scenario {
        turns = List.copyOf(turns);
        subagentTurns = List.copyOf(subagentTurns);
    }

    /** A scenario whose subagents share the main conversation's turns. */
    public Scenario(String model, List<Turn> turns) {
        this(model, turns, List.of());
    }

    /** A scenario echoing the requested model. */
    public static Scenario of(Turn... turns) {
        return new Scenario(null, Arrays.asList(turns));
    }

    /** Reads and validates a scenario file ({@code .json} as JSON, anything else as YAML). */
    /** {@link #load} for callers that cannot recover from an unreadable scenario. */
    public static Scenario read(Path file) {
        try {
            return load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scenario " + file + ": " + e.getMessage(), e);
        }
    }

    public static Scenario load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return parse(text, file.toString());
    }

    /**
     * The offline default for boxes without a scenario: look around the workspace with a real tool
     * call, then answer with a short text naming the box and the size of its input. Registered with
     * the variables {@code box}, {@code workspace} and {@code input_bytes} (see {@code docs/scripted-model.md}).
     */
    public static Scenario builtIn() {
        try (InputStream in = Scenario.class.getResourceAsStream("default-scenario.yaml")) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default-scenario.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses and validates scenario text.
     *
     * @param text     YAML or JSON
     * @param fileName used in error messages; a name ending in {@code .json} selects JSON
     * @throws ScenarioException naming the file and field when the text is invalid
     */
    public static Scenario parse(String text, String fileName) {
        boolean json = fileName.toLowerCase(Locale.ROOT).endsWith(".json");
        JsonNode root;
        try {
            root = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
            throw new ScenarioException(
                    fileName + ": " + where + "not valid " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage(),
                    e);
        }
        return new Reader(fileName).scenario(root);
    }

    /** Validating tree walker; every error names file and field path. */
    private record Reader(String file) {
        Scenario scenario(JsonNode root) {
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw error("", "empty scenario (expected a mapping with 'turns')");
            }
            requireObject(root, "");
            checkFields(root, "", TOP_FIELDS);
            String model = optionalString(root, "model", "model");
            JsonNode turnsNode = root.get("turns");
            if (turnsNode == null || turnsNode.isNull()) {
                throw error("turns", "missing");
            }
            List<Turn> turns = turns(turnsNode, "turns");
            JsonNode subagentNode = root.get("subagent_turns");
            List<Turn> subagentTurns =
                    subagentNode == null || subagentNode.isNull() ? List.of() : turns(subagentNode, "subagent_turns");
            return new Scenario(model, turns, subagentTurns);
        }

        /** A list of turns, each played {@code repeat} times. */
        List<Turn> turns(JsonNode list, String path) {
            if (!list.isArray()) {
                throw error(path, "must be a list");
            }
            List<Turn> turns = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String itemPath = path + "[" + i + "]";
                Turn turn = turn(list.get(i), itemPath);
                long repeat = count(list.get(i), "repeat", itemPath, 1);
                if (repeat < 1 || repeat > MAX_REPEAT) {
                    throw error(itemPath + ".repeat", "must be between 1 and " + MAX_REPEAT + ", got " + repeat);
                }
                for (long n = 0; n < repeat; n++) {
                    turns.add(turn);
                }
            }
            return turns;
        }

        Turn turn(JsonNode node, String path) {
            requireObject(node, path);
            checkFields(node, path, TURN_FIELDS);
            if (node.has("error")) {
                if (node.has("text") || node.has("tool_use") || node.has("usage")) {
                    throw error(path, "'error' cannot be combined with text, tool_use or usage");
                }
                if (node.has("cut")) {
                    throw error(path + ".cut", "an error turn sends no answer to cut");
                }
                return errorTurn(node.get("error"), path + ".error");
            }
            JsonNode cutNode = node.get("cut");
            if (cutNode != null && !cutNode.isNull() && !cutNode.isBoolean()) {
                throw error(path + ".cut", "must be true or false, got " + cutNode);
            }
            boolean cut = cutNode != null && cutNode.asBoolean(false);
            String text = optionalString(node, "text", path + ".text");
            List<ToolUse> tools = new ArrayList<>();
            JsonNode toolsNode = node.get("tool_use");
            if (toolsNode != null && !toolsNode.isNull()) {
                if (!toolsNode.isArray()) {
                    throw error(path + ".tool_use", "must be a list");
                }
                for (int i = 0; i < toolsNode.size(); i++) {
                    tools.add(toolUse(toolsNode.get(i), path + ".tool_use[" + i + "]"));
                }
            }
            if (text == null && tools.isEmpty()) {
                throw error(path, "needs 'text', 'tool_use' or 'error'");
            }
            Usage usage = node.has("usage") ? usage(node.get("usage"), path + ".usage") : Usage.DEFAULT;
            return new Reply(text, tools, usage, cut);
        }

        ToolUse toolUse(JsonNode node, String path) {
            requireObject(node, path);
            checkFields(node, path, TOOL_FIELDS);
            String name = optionalString(node, "name", path + ".name");
            if (name == null || name.isBlank()) {
                throw error(path + ".name", "missing");
            }
            JsonNode input = node.get("input");
            Map<String, Object> map = new LinkedHashMap<>();
            if (input != null && !input.isNull()) {
                requireObject(input, path + ".input");
                @SuppressWarnings("unchecked")
                Map<String, Object> converted = JSON.convertValue(input, LinkedHashMap.class);
                map.putAll(converted);
            }
            return new ToolUse(name, map);
        }

        Usage usage(JsonNode node, String path) {
            requireObject(node, path);
            checkFields(node, path, USAGE_FIELDS);
            return new Usage(
                    count(node, "input_tokens", path, Usage.DEFAULT.inputTokens()),
                    count(node, "output_tokens", path, Usage.DEFAULT.outputTokens()),
                    count(node, "cache_read_input_tokens", path, 0),
                    count(node, "cache_creation_input_tokens", path, 0));
        }

        ErrorTurn errorTurn(JsonNode node, String path) {
            requireObject(node, path);
            checkFields(node, path, ERROR_FIELDS);
            JsonNode status = node.get("status");
            if (status == null || status.isNull()) {
                throw error(path + ".status", "missing");
            }
            if (!status.canConvertToInt()
                    || !status.isIntegralNumber()
                    || status.intValue() < 400
                    || status.intValue() > 599) {
                throw error(path + ".status", "must be an HTTP error status 400..599, got " + status);
            }
            int code = status.intValue();
            String type = optionalString(node, "type", path + ".type");
            String message = optionalString(node, "message", path + ".message");
            return new ErrorTurn(
                    code,
                    type != null ? type : defaultErrorType(code),
                    message != null ? message : "scripted error " + code);
        }

        long count(JsonNode node, String field, String path, long fallback) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isIntegralNumber() || v.longValue() < 0) {
                throw error(path + "." + field, "must be a non-negative integer, got " + v);
            }
            return v.longValue();
        }

        String optionalString(JsonNode node, String field, String path) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw error(
                        path, "must be a string, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
            }
            return v.textValue();
        }

        void requireObject(JsonNode node, String path) {
            if (node == null || !node.isObject()) {
                String got =
                        node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
                throw error(path, "must be a mapping, got " + got);
            }
        }

        void checkFields(JsonNode node, String path, Set<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!allowed.contains(name)) {
                    String field = path.isEmpty() ? name : path + "." + name;
                    throw error(field, "unknown field (expected one of " + new TreeSet<>(allowed) + ")");
                }
            }
        }

        ScenarioException error(String path, String problem) {
            return new ScenarioException(file + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
        }
    }

    static String defaultErrorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
