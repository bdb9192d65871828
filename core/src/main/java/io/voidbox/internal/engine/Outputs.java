package io.voidbox.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.voidbox.StageResult;
import java.util.List;

/** How one stage's output becomes the next stage's input. */
final class Outputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Outputs() {}

    /** Fan-out outputs as a JSON array in declaration order; JSON outputs are embedded as JSON, text as strings. */
    static String join(List<StageResult> results) {
        ArrayNode arr = JSON.createArrayNode();
        for (StageResult r : results) arr.add(asJson(r.output()));
        return arr.toString();
    }

    /** An output as JSON: parsed when it is a JSON object or array, else a JSON string. */
    static JsonNode asJson(String s) {
        String t = s.strip();
        if (t.startsWith("{") || t.startsWith("[")) {
            try {
                return JSON.readTree(t);
            } catch (Exception ignored) {
                // not JSON after all: keep it as text
            }
        }
        return JSON.getNodeFactory().textNode(s);
    }
}
