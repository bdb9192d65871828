package io.voidbox.scripted;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code {{name}}} with registration variables and {@code ${NAME}} with allowed
 * environment variables in every string of a scenario. Unknown placeholders stay as written, so a
 * command that legitimately contains {@code ${HOME}} still reaches the box unchanged.
 */
final class Substitutor {
    private static final Pattern VAR = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_.-]*)\\s*}}");
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final Map<String, String> vars;
    private final Map<String, String> env;

    /**
     * @param vars {@code {{name}}} values
     * @param env  {@code ${NAME}} values (only those explicitly allowed; empty: no env substitution)
     */
    Substitutor(Map<String, String> vars, Map<String, String> env) {
        this.vars = Map.copyOf(vars);
        this.env = Map.copyOf(env);
    }

    Scenario apply(Scenario scenario) {
        List<Turn> turns = new ArrayList<>();
        for (Turn turn : scenario.turns()) {
            turns.add(
                    switch (turn) {
                        case Reply r ->
                            new Reply(
                                    string(r.text()),
                                    r.toolUses().stream()
                                            .map(t -> new ToolUse(string(t.name()), map(t.input())))
                                            .toList(),
                                    r.usage(),
                                    r.cut());
                        case ErrorTurn e -> new ErrorTurn(e.status(), e.type(), string(e.message()));
                    });
        }
        List<Turn> subagentTurns = new ArrayList<>();
        for (Turn turn : scenario.subagentTurns()) {
            subagentTurns.add(apply(new Scenario(null, List.of(turn))).turns().getFirst());
        }
        return new Scenario(string(scenario.model()), turns, subagentTurns);
    }

    String string(String s) {
        if (s == null || (s.indexOf("{{") < 0 && s.indexOf("${") < 0)) {
            return s;
        }
        String out = replace(VAR, s, vars);
        return env.isEmpty() ? out : replace(ENV, out, env);
    }

    private static String replace(Pattern pattern, String s, Map<String, String> values) {
        Matcher m = pattern.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private Map<String, Object> map(Map<String, Object> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    private Object value(Object v) {
        return switch (v) {
            case String s -> string(s);
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(x -> out.add(value(x)));
                yield out;
            }
            case null -> null;
            default -> v;
        };
    }
}
