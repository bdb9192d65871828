package io.voidbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Failure;
import io.voidbox.PipelineResult;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import io.voidbox.spec.PipelineSpec;

/**
 * {@code run --output json}: the result of a run as one JSON object on stdout, for scripts and CI.
 * Field names follow the event contract (snake_case, usage flat as in {@code stage.completed}).
 *
 * <pre>{@code
 * {"run_id": "...", "name": "quick-workflow", "kind": "workflow", "success": true,
 *  "duration_ms": 812, "error": null,
 *  "usage": {"input_tokens": 0, "output_tokens": 0, ..., "cost_usd": 0.0, "tool_calls": 0},
 *  "stages": [{"name": "fetch", "stage_index": 0, "status": "ok", "backend": "local", "accel": null,
 *              "duration_ms": 20, "usage": {...}, "error": null, "error_type": null}, ...],
 *  "final_output": "HELLO FROM WORKFLOW"}
 * }</pre>
 *
 * {@code status} is {@code ok}, {@code failed}, or {@code cancelled} (stopped because another
 * stage or step failed first); {@code final_output} is empty when the run failed.
 */
final class ResultJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultJson() {}

    static String of(PipelineResult r, PipelineSpec.Kind kind) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run_id", r.runId());
        o.put("name", r.pipeline());
        o.put("kind", kind.id());
        o.put("success", r.success());
        o.put("duration_ms", r.duration().toMillis());
        o.put("error", r.error().orElse(null));
        o.set("usage", usage(r.usage()));
        var stages = o.putArray("stages");
        for (StageResult s : r.stages()) {
            ObjectNode n = stages.addObject();
            n.put("name", s.box());
            n.put("stage_index", s.stageIndex());
            n.put(
                    "status",
                    s.failure()
                            .map(f -> f instanceof Failure.Cancelled ? "cancelled" : "failed")
                            .orElse("ok"));
            n.put("backend", s.backend());
            n.put("accel", s.accel().orElse(null));
            n.put("duration_ms", s.duration().toMillis());
            n.set("usage", usage(s.usage()));
            n.put("error", s.failure().map(Failure::message).orElse(null));
            n.put("error_type", s.failure().map(Failure::type).orElse(null));
        }
        o.put("final_output", r.finalOutput());
        return o.toString();
    }

    private static ObjectNode usage(Usage u) {
        ObjectNode n = JSON.createObjectNode();
        n.put("input_tokens", u.inputTokens());
        n.put("output_tokens", u.outputTokens());
        n.put("cache_read_tokens", u.tokens().cacheReadTokens());
        n.put("cache_creation_tokens", u.tokens().cacheCreationTokens());
        n.put("cost_usd", u.costUsd());
        n.put("num_turns", u.numTurns());
        n.put("tool_calls", u.toolCalls());
        n.put("model", u.model());
        if (u.estimated()) n.put("usage_estimated", true);
        return n;
    }
}
