package io.voidbox.scripted;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A tool call the scripted model asks the CLI to run, e.g. {@code Bash} with {@code {command: ...}}.
 *
 * @param name  tool name as the CLI knows it ({@code Bash}, {@code Read}, {@code Write}, ...)
 * @param input the tool's JSON input (values: String, Number, Boolean, null, List, Map)
 */
public record ToolUse(String name, Map<String, Object> input) {
    public ToolUse {
        Objects.requireNonNull(name, "name");
        input = Collections.unmodifiableMap(new LinkedHashMap<>(input));
    }
}
