package io.voidbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Programs run in <em>one</em> box as a graph of steps: a step starts once the steps it depends on
 * have succeeded, independent steps run at the same time, and a step can read another step's
 * output on its stdin. It is the {@code kind: workflow} of spec files (VoidBox's meaning), for
 * work that needs no agent: fetching, converting, checking. Run it with
 * {@link VoidBox#run(Workflow, String)}; the result's stages are the steps that ran.
 *
 * @param name       the workflow's name: the {@code [vm:NAME]} of its box and the {@code workflow:NAME} span
 * @param steps      in declaration order; names unique
 * @param outputStep the step whose stdout is the workflow's output; empty: the last declared step
 * @param sandbox    the one box every step runs in
 */
public record Workflow(String name, List<Step> steps, Optional<String> outputStep, SandboxOptions sandbox) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public Workflow {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(outputStep, "outputStep");
        Objects.requireNonNull(sandbox, "sandbox");
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("workflow name '" + name + "' must match " + NAME);
        steps = List.copyOf(steps);
        if (steps.isEmpty()) throw new IllegalArgumentException("workflow " + name + " has no steps");
        Set<String> names = new HashSet<>();
        for (Step s : steps)
            if (!names.add(s.name()))
                throw new IllegalArgumentException("workflow " + name + ": step name '" + s.name() + "' used twice");
        for (Step s : steps)
            for (String input : s.inputs())
                if (!names.contains(input))
                    throw new IllegalArgumentException(
                            "workflow " + name + ": step " + s.name() + " depends on unknown step '" + input + "'");
        outputStep.ifPresent(o -> {
            if (!names.contains(o))
                throw new IllegalArgumentException("workflow " + name + ": output step '" + o + "' is not a step");
        });
        List<String> cycle = cycle(steps);
        if (!cycle.isEmpty())
            throw new IllegalArgumentException("workflow " + name + ": dependency cycle " + String.join(" -> ", cycle));
    }

    /** A workflow of {@code steps} in the default sandbox, whose output is the last step's. */
    public static Workflow of(String name, List<Step> steps) {
        return new Workflow(name, steps, Optional.empty(), SandboxOptions.defaults());
    }

    public Workflow withOutputStep(String step) {
        return new Workflow(name, steps, Optional.of(step), sandbox);
    }

    public Workflow withSandbox(SandboxOptions s) {
        return new Workflow(name, steps, outputStep, s);
    }

    /** The step whose stdout is the workflow's output. */
    public String finalStep() {
        return outputStep.orElseGet(() -> steps.getLast().name());
    }

    /** The step called {@code name}, if any. */
    public Optional<Step> step(String stepName) {
        return steps.stream().filter(s -> s.name().equals(stepName)).findFirst();
    }

    /**
     * How deep each step sits in the graph: 0 for steps without inputs, else one more than its
     * deepest input. Steps of one level can run at the same time.
     */
    public Map<String, Integer> levels() {
        Map<String, Step> byName = new HashMap<>();
        steps.forEach(s -> byName.put(s.name(), s));
        Map<String, Integer> levels = new HashMap<>();
        for (Step s : steps) level(s, byName, levels);
        return Map.copyOf(levels);
    }

    private static int level(Step s, Map<String, Step> byName, Map<String, Integer> levels) {
        Integer known = levels.get(s.name());
        if (known != null) return known;
        int level = 0;
        for (String input : s.inputs()) level = Math.max(level, level(byName.get(input), byName, levels) + 1);
        levels.put(s.name(), level);
        return level;
    }

    /** A dependency cycle as the step names along it (first name repeated at the end), or empty. */
    static List<String> cycle(List<Step> steps) {
        Map<String, Step> byName = new HashMap<>();
        steps.forEach(s -> byName.put(s.name(), s));
        Set<String> done = new HashSet<>();
        for (Step s : steps) {
            List<String> found = visit(s.name(), byName, new LinkedHashSet<>(), done);
            if (!found.isEmpty()) return found;
        }
        return List.of();
    }

    private static List<String> visit(
            String at, Map<String, Step> byName, LinkedHashSet<String> path, Set<String> done) {
        if (done.contains(at) || !byName.containsKey(at)) return List.of();
        if (!path.add(at)) {
            List<String> cycle = new ArrayList<>(path);
            cycle = new ArrayList<>(cycle.subList(cycle.indexOf(at), cycle.size()));
            cycle.add(at);
            return cycle;
        }
        for (String input : byName.get(at).inputs()) {
            List<String> found = visit(input, byName, path, done);
            if (!found.isEmpty()) return found;
        }
        path.remove(at);
        done.add(at);
        return List.of();
    }

    /**
     * One program of a workflow.
     *
     * @param name      unique in the workflow; the step's {@code [vm:NAME]}, {@code stage} in events and
     *                  {@code step:NAME} span
     * @param program   the executable, looked up on the box's {@code PATH}
     * @param args      its arguments, passed as they are (no shell)
     * @param stdinFrom the step whose stdout this one reads on stdin (it is also a dependency); empty:
     *                  the first of {@code dependsOn}, or for a step without dependencies the run's input
     * @param dependsOn steps that must succeed before this one starts
     * @param timeout   how long the program may run before its process tree is killed
     */
    public record Step(
            String name,
            String program,
            List<String> args,
            Optional<String> stdinFrom,
            List<String> dependsOn,
            Duration timeout) {

        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(program, "program");
            Objects.requireNonNull(stdinFrom, "stdinFrom");
            Objects.requireNonNull(timeout, "timeout");
            if (!NAME.matcher(name).matches())
                throw new IllegalArgumentException("step name '" + name + "' must match " + NAME);
            if (program.isBlank()) throw new IllegalArgumentException("step " + name + ": program is empty");
            args = List.copyOf(args);
            dependsOn = List.copyOf(dependsOn);
            if (timeout.isNegative() || timeout.isZero())
                throw new IllegalArgumentException("step " + name + ": timeout must be positive");
            if (timeout.compareTo(Box.MAX_TIMEOUT) > 0)
                throw new IllegalArgumentException("step " + name + ": timeout must be at most " + Box.MAX_TIMEOUT);
        }

        /** A step without inputs and with the default timeout ({@link Box#DEFAULT_TIMEOUT}). */
        public static Step of(String name, String program, String... args) {
            return new Step(name, program, List.of(args), Optional.empty(), List.of(), Box.DEFAULT_TIMEOUT);
        }

        /** This step, starting after {@code steps}. */
        public Step after(String... steps) {
            List<String> all = new ArrayList<>(dependsOn);
            all.addAll(List.of(steps));
            return new Step(name, program, args, stdinFrom, all, timeout);
        }

        /** This step, reading {@code step}'s stdout on its stdin. */
        public Step stdinFrom(String step) {
            return new Step(name, program, args, Optional.of(step), dependsOn, timeout);
        }

        public Step withTimeout(Duration t) {
            return new Step(name, program, args, stdinFrom, dependsOn, t);
        }

        /** Every step that must succeed first: {@code dependsOn} plus {@code stdinFrom}. */
        public List<String> inputs() {
            LinkedHashSet<String> all = new LinkedHashSet<>(dependsOn);
            stdinFrom.ifPresent(all::add);
            return List.copyOf(all);
        }

        /** The step whose stdout feeds this one's stdin, if any. */
        public Optional<String> stdinSource() {
            return stdinFrom.or(() -> dependsOn.stream().findFirst());
        }

        /** The command line: program and arguments. */
        public List<String> argv() {
            List<String> argv = new ArrayList<>();
            argv.add(program);
            argv.addAll(args);
            return argv;
        }
    }
}
