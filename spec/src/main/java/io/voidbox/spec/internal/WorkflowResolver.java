package io.voidbox.spec.internal;

import io.voidbox.Box;
import io.voidbox.SandboxOptions;
import io.voidbox.Workflow;
import io.voidbox.Workflow.Step;
import io.voidbox.spec.WorkflowSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code workflow} section of a {@code kind: workflow} file (VoidBox's format): its steps,
 * checked one by one and then as a graph (unknown references and cycles are errors at the line
 * that makes them), resolved to a {@link Workflow} in the spec's sandbox.
 *
 * <pre>{@code
 * workflow:
 *   steps:
 *     - name: fetch                 # required, unique, [a-z0-9][a-z0-9_-]*
 *       run:
 *         program: echo             # required; looked up on the box's PATH
 *         args: ["hello"]           # passed as written (no shell); numbers too
 *         stdin_from: other         # a step whose stdout this one reads (also a dependency)
 *       depends_on: [other]         # steps that must succeed first
 *       timeout_secs: 600           # 1..86400 (default 600)
 *   output_step: fetch              # whose stdout is the result (default: the last step)
 * }</pre>
 */
final class WorkflowResolver {
    private static final List<String> WORKFLOW_FIELDS = List.of("steps", "output_step");
    private static final List<String> STEP_FIELDS = List.of("name", "run", "depends_on", "timeout_secs", "mode");
    private static final List<String> RUN_FIELDS = List.of("program", "args", "stdin_from");

    private final Errors errors;

    WorkflowResolver(Errors errors) {
        this.errors = errors;
    }

    /** A step as declared, with where its references were written. */
    private record StepDecl(Fields at, Step step, List<Ref> refs) {}

    /** A step name used by another step ({@code depends_on} item or {@code stdin_from}). */
    private record Ref(String name, String path, Node.Loc loc) {}

    /**
     * Resolves the {@code workflow} node; empty when any error was recorded (also ones recorded
     * before, e.g. in the sandbox).
     */
    Optional<WorkflowSpec> resolve(Node node, Optional<String> name, SandboxOptions sandbox, Path sourceFile) {
        Optional<Fields> wf = Fields.of(node, "workflow", errors, WORKFLOW_FIELDS);
        if (wf.isEmpty()) return Optional.empty();
        Fields w = wf.get();
        Map<String, StepDecl> steps = new LinkedHashMap<>();
        Optional<Node.ListNode> list = w.list("steps", true);
        if (list.isPresent()) {
            List<Node> items = list.get().items();
            if (items.isEmpty())
                errors.add(
                        w.pathOf("steps"),
                        "must contain at least one step",
                        list.get().loc());
            for (int i = 0; i < items.size(); i++) {
                step(items.get(i), Errors.index(w.pathOf("steps"), i)).ifPresent(s -> {
                    StepDecl first = steps.putIfAbsent(s.step().name(), s);
                    if (first != null)
                        errors.add(
                                s.at().pathOf("name"),
                                "duplicate step name '" + s.step().name() + "' (also " + first.at().path + ")",
                                s.at().locOf("name"));
                });
            }
        }
        Optional<String> output = w.string("output_step", false);
        if (output.isPresent() && list.isPresent() && !steps.containsKey(output.get()))
            errors.add(
                    w.pathOf("output_step"),
                    "unknown step '" + output.get() + "'" + known(steps.keySet()),
                    w.locOf("output_step"));
        checkGraph(steps);
        if (!errors.isEmpty() || name.isEmpty() || steps.isEmpty()) return Optional.empty();
        List<Step> resolved = steps.values().stream().map(StepDecl::step).toList();
        return Optional.of(new WorkflowSpec(new Workflow(name.get(), resolved, output, sandbox), sourceFile));
    }

    private Optional<StepDecl> step(Node node, String path) {
        Optional<Fields> sf = Fields.of(node, path, errors, STEP_FIELDS);
        if (sf.isEmpty()) return Optional.empty();
        Fields s = sf.get();
        Optional<String> stepName = s.name("name", true);
        if (s.has("mode"))
            errors.add(
                    s.pathOf("mode"),
                    "not supported yet (a 'service' step runs until it is stopped; this runtime runs every"
                            + " step to completion)",
                    s.locOf("mode"));
        Optional<Duration> timeout =
                s.integer("timeout_secs", 1, Box.MAX_TIMEOUT.toSeconds()).map(Duration::ofSeconds);
        List<Ref> refs = new ArrayList<>();
        List<String> dependsOn = refs(s, "depends_on", refs);
        Optional<String> program = Optional.empty();
        List<String> args = List.of();
        Optional<String> stdinFrom = Optional.empty();
        Optional<Node> runNode = s.value("run");
        if (runNode.isEmpty()) {
            if (s.absent("run")) s.missing("run");
        } else {
            Optional<Fields> rf = Fields.of(runNode.get(), s.pathOf("run"), errors, RUN_FIELDS);
            if (rf.isPresent()) {
                Fields r = rf.get();
                program = r.text("program", true);
                args = args(r);
                stdinFrom = r.string("stdin_from", false);
                stdinFrom.ifPresent(from -> refs.add(new Ref(from, r.pathOf("stdin_from"), r.locOf("stdin_from"))));
            }
        }
        if (stepName.isEmpty() || program.isEmpty()) return Optional.empty();
        return Optional.of(new StepDecl(
                s,
                new Step(
                        stepName.get(), program.get(), args, stdinFrom, dependsOn, timeout.orElse(Box.DEFAULT_TIMEOUT)),
                refs));
    }

    /**
     * {@code args}: scalars taken as written ({@code [-n, 5]} passes {@code "5"}), empty ones
     * allowed (an argument may be {@code ""}).
     */
    private List<String> args(Fields r) {
        Optional<Node.ListNode> list = r.list("args", false);
        if (list.isEmpty()) return List.of();
        List<String> args = new ArrayList<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            if (item instanceof Node.Scalar scalar) args.add(scalar.text());
            else if (!(item instanceof Node.Invalid))
                errors.add(
                        Errors.index(r.pathOf("args"), i), "expected a string, got " + Node.describe(item), item.loc());
        }
        return args;
    }

    /** The step names of a list field, each also recorded as a reference with its position. */
    private List<String> refs(Fields s, String key, List<Ref> refs) {
        Optional<Node.ListNode> list = s.list(key, false);
        if (list.isEmpty()) return List.of();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = Errors.index(s.pathOf(key), i);
            Node item = items.get(i);
            Fields.asString(item, itemPath, errors).ifPresent(n -> {
                if (!names.add(n)) errors.add(itemPath, "step '" + n + "' is listed twice", item.loc());
                else refs.add(new Ref(n, itemPath, item.loc()));
            });
        }
        return List.copyOf(names);
    }

    /** Unknown step references, self references and cycles, each at the reference that makes it. */
    private void checkGraph(Map<String, StepDecl> steps) {
        boolean known = true;
        for (StepDecl s : steps.values())
            for (Ref ref : s.refs()) {
                if (!steps.containsKey(ref.name())) {
                    errors.add(ref.path(), "unknown step '" + ref.name() + "'" + known(steps.keySet()), ref.loc());
                    known = false;
                } else if (ref.name().equals(s.step().name())) {
                    errors.add(ref.path(), "a step cannot depend on itself", ref.loc());
                    known = false;
                }
            }
        if (!known) return;
        Set<String> reported = new HashSet<>();
        for (StepDecl s : steps.values()) {
            List<String> cycle = cycleFrom(s.step().name(), steps, new ArrayList<>(), new HashSet<>());
            if (cycle.isEmpty() || !reported.add(new TreeSet<>(cycle).toString())) continue;
            // reported at the reference that closes the cycle, in the step that starts it
            StepDecl start = steps.get(cycle.getFirst());
            Ref closing = start.refs().stream()
                    .filter(r -> r.name().equals(cycle.get(1)))
                    .findFirst()
                    .orElseThrow();
            errors.add(
                    closing.path(),
                    "dependency cycle: " + String.join(" -> ", cycle) + " (each step depends on the next)",
                    closing.loc());
        }
    }

    /** A cycle through {@code at} as the names along the input edges (first repeated last), or empty. */
    private static List<String> cycleFrom(
            String at, Map<String, StepDecl> steps, List<String> path, Set<String> visited) {
        if (!path.isEmpty() && at.equals(path.getFirst())) {
            List<String> cycle = new ArrayList<>(path);
            cycle.add(at);
            return cycle;
        }
        if (!visited.add(at)) return List.of();
        path.add(at);
        for (String input : steps.get(at).step().inputs()) {
            List<String> found = cycleFrom(input, steps, path, visited);
            if (!found.isEmpty()) return found;
        }
        path.removeLast();
        return List.of();
    }

    private static String known(Set<String> names) {
        return names.isEmpty() ? "" : " (steps: " + String.join(", ", names) + ")";
    }
}
