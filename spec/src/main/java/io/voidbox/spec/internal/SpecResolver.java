package io.voidbox.spec.internal;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.Pipeline;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Network;
import io.voidbox.Stage;
import io.voidbox.spec.Observe;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.UserConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns spec text into a {@link PipelineSpec}: checks the shape of every field, merges box
 * overrides over top-level settings, applies the core's defaults and checks cross references,
 * recording every error instead of stopping at the first. Reads VoidBox's {@code v1} fields with
 * VoidBox's meaning beside ours ({@code sandbox.mode}, {@code observe}, {@code outputs}/{@code inputs},
 * prefixed skills, the {@code VOIDBOX_LLM_*} overrides); what this runtime does not do yet is
 * refused by name ({@link NotYet}).
 */
public final class SpecResolver {

    static final String API_VERSION = "v1";

    private static final List<String> TOP_FIELDS = List.of(
            "api_version",
            "kind",
            "name",
            "sandbox",
            "llm",
            "observe",
            "agent",
            "pipeline",
            "workflow",
            RunnerField.NAME);
    private static final List<String> LLM_FIELDS =
            List.of("provider", "model", "base_url", "api_key_env", "scenario", "credential_proxy");
    private static final List<String> AGENT_FIELDS = Stream.concat(
                    Stream.of("prompt", "skills", "timeout_secs", "output_file", "mode", "messaging"),
                    AgentSpec.FIELDS.stream())
            .toList();
    private static final List<String> PIPELINE_FIELDS = List.of("boxes", "stages", "max_parallel");
    /** Upper bound of {@code pipeline.max_parallel}, a sanity limit. */
    static final int MAX_PARALLEL_LIMIT = 1024;

    private static final List<String> BOX_FIELDS = List.of(
            "name",
            "prompt",
            "skills",
            "llm",
            "timeout_secs",
            "output_file",
            "outputs",
            "inputs",
            "sandbox",
            "agent",
            RunnerField.NAME);
    /** VoidBox kinds not run here yet, with the reason. */
    private static final Map<String, String> NOT_YET_KINDS = Map.of("sandbox", NotYet.KIND_SANDBOX);

    private static final List<String> BOX_STAGE_FIELDS = List.of("type", "name");
    private static final List<String> FAN_OUT_STAGE_FIELDS = List.of("type", "boxes");

    private final Errors errors;
    private final Path baseDir;
    private final SandboxBlock sandboxes;
    private final Map<String, String> environment;
    /** The agent options of each box, by the box's path ({@code agent} or {@code pipeline.boxes[i]}). */
    private final Map<String, AgentSpec.Decl> agentDecls = new HashMap<>();
    /** {@code pipeline.max_parallel}, when given. */
    private OptionalInt maxParallel = OptionalInt.empty();

    private SpecResolver(Errors errors, Path baseDir, Map<String, String> environment) {
        this.errors = errors;
        this.sandboxes = new SandboxBlock(errors, baseDir);
        this.baseDir = baseDir;
        this.environment = environment;
    }

    /**
     * Reads, validates and resolves one document.
     *
     * @param content    the spec text; JSON if {@code display} ends in {@code .json}, YAML otherwise
     * @param display    names the source in error messages
     * @param sourceFile the (absolute) spec file; relative paths resolve against its directory
     * @throws SpecException with every error found
     */
    public static Spec resolve(String content, String display, Path sourceFile) throws SpecException {
        return resolve(content, display, sourceFile, Optional.empty(), Map.of());
    }

    /**
     * {@link #resolve(String, String, Path)} with the user's configuration as the lowest layer (its
     * {@code sandbox} and {@code llm} defaults count as if written in the spec's top-level blocks,
     * where the spec does not set them) and the {@code VOIDBOX_LLM_*} overrides of
     * {@code environment} laid over the top-level {@code llm} ({@link LlmEnvironment}).
     */
    public static Spec resolve(
            String content,
            String display,
            Path sourceFile,
            Optional<UserConfig> defaults,
            Map<String, String> environment)
            throws SpecException {
        Errors errors = new Errors();
        boolean json = display.toLowerCase(Locale.ROOT).endsWith(".json");
        Node root = UserDefaults.under(new TreeReader(errors).read(content, json), defaults);
        Spec spec = null;
        if (root != null) {
            spec = new SpecResolver(errors, sourceFile.getParent(), Map.copyOf(environment))
                    .resolve(root, sourceFile)
                    .orElse(null);
        }
        if (!errors.isEmpty() || spec == null) {
            throw new SpecException(display, errors.sorted());
        }
        return spec;
    }

    /**
     * Declared (not yet merged) model settings of one {@code llm} block, with where they were
     * declared so that errors found after merging point at the right line.
     *
     * @param fields the keys present in the block (even with invalid values)
     */
    record LlmDecl(String path, Node.Loc loc, LlmConfig config, Node.Loc scenarioLoc, Set<String> fields) {
        static LlmDecl absent(String path, Node.Loc loc) {
            return new LlmDecl(path, loc, LlmConfig.auto(), loc, Set.of());
        }
    }

    /**
     * One box as declared in the mapping {@code at} (which gives its path and positions for
     * errors); {@code name} is empty when missing or invalid.
     */
    record BoxDecl(
            Fields at,
            Optional<String> name,
            Optional<String> prompt,
            SkillEntries.Decl skills,
            LlmDecl llm,
            SandboxBlock.Decl sandbox,
            Optional<Duration> timeout,
            Handoffs.Decl files) {
        String path() {
            return at.path;
        }

        Node.Loc loc() {
            return at.loc();
        }

        Node.Loc nameLoc() {
            return at.locOf("name");
        }
    }

    /** Resolves the document; returns empty when any error was recorded. */
    private Optional<Spec> resolve(Node root, Path sourceFile) {
        Optional<Fields> top = Fields.of(root, Errors.ROOT, errors, TOP_FIELDS);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        Fields f = top.get();
        f.string("api_version", true).ifPresent(v -> {
            if (!v.equals(API_VERSION)) {
                errors.add(
                        "api_version",
                        "unsupported api_version '" + v + "' (supported: " + API_VERSION + ")",
                        f.locOf("api_version"));
            }
        });
        Optional<String> notYetKind = f.value("kind")
                .filter(n -> n instanceof Node.Scalar s && NOT_YET_KINDS.containsKey(s.text()))
                .map(n -> ((Node.Scalar) n).text());
        Optional<PipelineSpec.Kind> kind = notYetKind.isPresent()
                ? Optional.empty()
                : f.choice("kind", true, PipelineSpec.Kind.values(), PipelineSpec.Kind::id);
        Optional<String> name = f.name("name", true);
        SandboxBlock.Decl topSandbox =
                f.value("sandbox").map(n -> sandboxes.read(n, "sandbox")).orElse(SandboxBlock.Decl.ABSENT);
        LlmDecl topLlm = withEnvironment(f.value("llm").map(n -> llm(n, "llm")).orElse(LlmDecl.absent("llm", f.loc())));
        Observe observe = ObserveBlock.read(f.value("observe"), errors);
        Optional<Runner> topRunner = RunnerField.read(f);
        if (notYetKind.isPresent()) {
            NotYet.report(errors, "kind", NOT_YET_KINDS.get(notYetKind.get()), f.keyLocOf("kind"));
            return Optional.empty();
        }

        if (kind.isPresent()) {
            String wanted = kind.get().id(); // each kind's section is named like the kind
            if (f.absent(wanted)) {
                f.missing(wanted);
            }
            for (PipelineSpec.Kind k : PipelineSpec.Kind.values()) {
                String other = k.id();
                if (!other.equals(wanted) && f.has(other)) {
                    errors.add(
                            other,
                            "not allowed when kind is " + kind.get().id() + " (use '" + wanted + "')",
                            f.map.fields().get(other).keyLoc());
                }
            }
        }
        if (kind.orElse(null) == PipelineSpec.Kind.WORKFLOW) {
            SandboxOptions sandbox = SandboxBlock.merge(topSandbox, SandboxBlock.Decl.ABSENT);
            Optional<Spec> workflow = f.value("workflow")
                    .flatMap(n -> new WorkflowResolver(errors).resolve(n, name, sandbox, sourceFile));
            return errors.isEmpty() ? workflow : Optional.empty();
        }

        List<BoxDecl> boxes = new ArrayList<>();
        // each stage as the names of its boxes: one for a box stage, two or more for a fan_out
        List<List<String>> stages = new ArrayList<>();
        boolean agentKind = kind.orElse(null) == PipelineSpec.Kind.AGENT;
        if (f.has("agent") && (kind.isEmpty() || agentKind)) {
            agent(f.value("agent").get(), name).ifPresent(boxes::add);
            name.ifPresent(n -> stages.add(List.of(n)));
        }
        if (f.has("pipeline") && (kind.isEmpty() || !agentKind)) {
            pipeline(f.value("pipeline").get(), boxes, stages);
        }

        Map<String, Box> resolved = new HashMap<>();
        Set<String> reported = new HashSet<>();
        Map<String, Handoffs.Decl> files = new LinkedHashMap<>();
        for (BoxDecl box : boxes) {
            box.name().ifPresent(n -> files.put(n, box.files()));
            resolveBox(box, topSandbox, topLlm, topRunner, reported).ifPresent(b -> resolved.put(b.name(), b));
        }
        Map<String, Integer> stageOfBox = new HashMap<>();
        for (int i = 0; i < stages.size(); i++) for (String box : stages.get(i)) stageOfBox.put(box, i);
        new Handoffs(errors).check(files, stageOfBox);
        if (!errors.isEmpty() || name.isEmpty() || kind.isEmpty()) {
            return Optional.empty();
        }
        List<Stage> pipelineStages = new ArrayList<>();
        for (List<String> stage : stages) {
            pipelineStages.add(
                    stage.size() == 1
                            ? new Stage.Single(resolved.get(stage.getFirst()))
                            : new Stage.FanOut(stage.stream().map(resolved::get).toList()));
        }
        return Optional.of(new PipelineSpec(
                kind.get(), new Pipeline(name.get(), pipelineStages, maxParallel), sourceFile, observe));
    }

    /** One box with the top-level settings merged in; empty when its name or prompt is missing. */
    private Optional<Box> resolveBox(
            BoxDecl box,
            SandboxBlock.Decl topSandbox,
            LlmDecl topLlm,
            Optional<Runner> topRunner,
            Set<String> reported) {
        boolean mock = box.sandbox()
                .isolation()
                .or(topSandbox::isolation)
                .filter(SandboxBlock.Isolation::mock)
                .isPresent();
        AgentSpec.Decl declared = agentDecls.getOrDefault(box.path(), AgentSpec.Decl.ABSENT);
        LlmConfig llm = declared.applyTo(
                mergeLlm(topLlm, box.llm(), !box.path().equals("agent"), reported, mock),
                (box.path().equals("agent") ? topLlm : box.llm()).fields().contains("model"),
                errors);
        SandboxOptions sandbox = SandboxBlock.merge(topSandbox, box.sandbox());
        Optional<Runner> boxRunner = box.path().equals("agent") ? Optional.empty() : RunnerField.read(box.at());
        AgentOptions agent = agentOptions(box, llm, RunnerField.options(declared.options(), boxRunner, topRunner));
        if (sandbox.network().mode() == Network.Mode.OFF) {
            for (SkillEntries.At remote : box.skills().remotes())
                errors.add(
                        remote.path(),
                        "a remote skill is fetched through the box's network, but sandbox.network is off",
                        remote.loc());
        }
        if (box.name().isEmpty() || box.prompt().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Box(
                box.name().get(),
                box.prompt().get(),
                box.skills().skills(),
                agent,
                llm,
                sandbox,
                box.timeout().orElse(Box.DEFAULT_TIMEOUT),
                box.files().files()));
    }

    /** The top-level {@code llm} with the {@code VOIDBOX_LLM_*} environment overrides laid over it. */
    private LlmDecl withEnvironment(LlmDecl top) {
        LlmEnvironment.Overlay overlay = LlmEnvironment.read(environment, errors);
        if (overlay.fields().isEmpty()) return top;
        Set<String> fields = new HashSet<>(top.fields());
        fields.addAll(overlay.fields());
        return new LlmDecl(
                top.path(),
                top.loc(),
                top.config().overriddenBy(overlay.config()),
                top.scenarioLoc(),
                Set.copyOf(fields));
    }

    /**
     * The agent of a box: {@code agent:} skills pick the runner ({@code llm.provider: codex} implies
     * Codex), {@code mcp} skills become its MCP servers.
     */
    private AgentOptions agentOptions(BoxDecl box, LlmConfig llm, AgentOptions declared) {
        boolean codexProvider = llm.provider().orElse(null) == Provider.CODEX;
        Optional<Map.Entry<Runner, SkillEntries.At>> skill = box.skills().runner();
        if (codexProvider && skill.isPresent() && skill.get().getKey() != Runner.CODEX)
            errors.add(
                    skill.get().getValue().path(),
                    "agent:" + skill.get().getKey().id() + " contradicts llm.provider codex (the Codex agent's API)",
                    skill.get().getValue().loc());
        // an agent: skill or llm.provider codex decides; otherwise the runner: field (or the default)
        Runner runner = skill.map(Map.Entry::getKey).orElse(codexProvider ? Runner.CODEX : declared.runner());
        AgentOptions agent = declared.withRunner(runner);
        if (box.skills().mcp().isEmpty()) return agent;
        return new AgentOptions(
                agent.runner(),
                agent.version(),
                agent.limits(),
                agent.permissions(),
                agent.appendSystemPrompt(),
                box.skills().mcp());
    }

    private Optional<BoxDecl> agent(Node node, Optional<String> specName) {
        Optional<Fields> af = Fields.of(node, "agent", errors, AGENT_FIELDS);
        if (af.isEmpty()) {
            return Optional.empty();
        }
        Fields a = af.get();
        a.string("mode", false).filter(m -> !m.equals("task")).ifPresent(m -> {
            if (m.equals("service") || m.equals("interactive"))
                NotYet.report(errors, a.pathOf("mode"), NotYet.AGENT_MODE, a.keyLocOf("mode"));
            else
                errors.add(
                        a.pathOf("mode"),
                        "invalid value '" + m + "' (expected one of: task, service, interactive)",
                        a.locOf("mode"));
        });
        NotYet.ifGiven(a, "messaging", NotYet.MESSAGING);
        agentDecls.put("agent", AgentSpec.read(a));
        return Optional.of(new BoxDecl(
                a,
                specName,
                a.text("prompt", true),
                new SkillEntries(errors, baseDir).read(a),
                LlmDecl.absent("agent.llm", a.loc()),
                SandboxBlock.Decl.ABSENT,
                timeout(a),
                Handoffs.Decl.of(outputFile(a))));
    }

    private void pipeline(Node node, List<BoxDecl> boxes, List<List<String>> stages) {
        Optional<Fields> pf = Fields.of(node, "pipeline", errors, PIPELINE_FIELDS);
        if (pf.isEmpty()) {
            return;
        }
        Fields p = pf.get();
        p.integer("max_parallel", 1, MAX_PARALLEL_LIMIT).ifPresent(n -> maxParallel = OptionalInt.of(n.intValue()));
        Optional<Node.ListNode> boxList = p.list("boxes", true);
        Map<String, Integer> indexByName = new LinkedHashMap<>();
        if (boxList.isPresent()) {
            List<Node> items = boxList.get().items();
            if (items.isEmpty()) {
                errors.add(
                        "pipeline.boxes",
                        "must contain at least one box",
                        boxList.get().loc());
            }
            for (int i = 0; i < items.size(); i++) {
                Optional<BoxDecl> box = box(items.get(i), Errors.index("pipeline.boxes", i));
                if (box.isEmpty()) {
                    continue;
                }
                if (box.get().name().isPresent()) {
                    String name = box.get().name().get();
                    Integer first = indexByName.putIfAbsent(name, boxes.size());
                    if (first != null) {
                        errors.add(
                                box.get().path() + ".name",
                                "duplicate box name '" + name + "' (also "
                                        + boxes.get(first).path() + ")",
                                box.get().nameLoc());
                        continue;
                    }
                }
                boxes.add(box.get());
            }
        }
        Optional<Node.ListNode> stageList = p.list("stages", false);
        if (stageList.isEmpty()) {
            if (!p.has("stages")) {
                boxes.forEach(b -> b.name().ifPresent(n -> stages.add(List.of(n))));
            }
            return;
        }
        if (stageList.get().items().isEmpty()) {
            errors.add(
                    "pipeline.stages",
                    "must contain at least one stage (omit 'stages' to run all boxes in order)",
                    stageList.get().loc());
        }
        Map<String, String> usedBy = new HashMap<>();
        List<Node> items = stageList.get().items();
        for (int i = 0; i < items.size(); i++) {
            stage(items.get(i), Errors.index("pipeline.stages", i), indexByName.keySet(), usedBy)
                    .ifPresent(stages::add);
        }
        if (boxList.isPresent()) {
            for (BoxDecl box : boxes) {
                box.name()
                        .filter(n -> !usedBy.containsKey(n))
                        .ifPresent(n ->
                                errors.add(box.path(), "box '" + n + "' is not referenced by any stage", box.loc()));
            }
        }
    }

    /** The names of one stage's boxes; empty (with errors) when the stage is invalid. */
    private Optional<List<String>> stage(Node node, String path, Set<String> known, Map<String, String> usedBy) {
        if (!(node instanceof Node.MapNode map)) {
            if (!(node instanceof Node.Invalid)) {
                errors.add(path, "expected a mapping, got " + Node.describe(node), node.loc());
            }
            return Optional.empty();
        }
        Node.Field typeField = map.fields().get("type");
        Optional<String> type = typeField == null || typeField.value() instanceof Node.NullNode
                ? Optional.empty()
                : Fields.asString(typeField.value(), path + ".type", errors);
        if (typeField == null || typeField.value() instanceof Node.NullNode) {
            errors.add(path + ".type", "missing (expected box or fan_out)", map.loc());
        }
        if (type.isPresent() && type.get().equals("box")) {
            Fields s = Fields.of(node, path, errors, BOX_STAGE_FIELDS).orElseThrow();
            Optional<String> box = s.string("name", true);
            if (box.isPresent() && reference(box.get(), path + ".name", s.locOf("name"), known, usedBy)) {
                return Optional.of(List.of(box.get()));
            }
            return Optional.empty();
        }
        if (type.isPresent() && type.get().equals("fan_out")) {
            Fields s = Fields.of(node, path, errors, FAN_OUT_STAGE_FIELDS).orElseThrow();
            Optional<Node.ListNode> list = s.list("boxes", true);
            if (list.isEmpty()) {
                return Optional.empty();
            }
            List<String> names = new ArrayList<>();
            boolean ok = true;
            List<Node> items = list.get().items();
            for (int i = 0; i < items.size(); i++) {
                String itemPath = Errors.index(path + ".boxes", i);
                Optional<String> box = Fields.asString(items.get(i), itemPath, errors);
                if (box.isPresent()
                        && reference(box.get(), itemPath, items.get(i).loc(), known, usedBy)) {
                    names.add(box.get());
                } else {
                    ok = false;
                }
            }
            if (items.size() < 2) {
                errors.add(
                        path + ".boxes",
                        "a fan_out needs at least 2 boxes, got " + items.size(),
                        list.get().loc());
                return Optional.empty();
            }
            return ok ? Optional.of(List.copyOf(names)) : Optional.empty();
        }
        if (type.isPresent()) {
            errors.add(
                    path + ".type",
                    "invalid value '" + type.get() + "' (expected one of: box, fan_out)",
                    typeField.value().loc());
        }
        return Optional.empty();
    }

    /** Records a stage's use of box {@code name}; false (with an error) when unknown or already used. */
    private boolean reference(String name, String path, Node.Loc loc, Set<String> known, Map<String, String> usedBy) {
        if (!known.contains(name)) {
            errors.add(
                    path,
                    "unknown box '" + name + "'"
                            + (known.isEmpty() ? "" : " (boxes: " + String.join(", ", known) + ")"),
                    loc);
            return false;
        }
        String previous = usedBy.putIfAbsent(name, path);
        if (previous != null) {
            errors.add(
                    path,
                    "box '" + name + "' is already used by " + previous + " (each box runs in exactly one stage)",
                    loc);
            return false;
        }
        return true;
    }

    private Optional<BoxDecl> box(Node node, String path) {
        Optional<Fields> bf = Fields.of(node, path, errors, BOX_FIELDS);
        if (bf.isEmpty()) {
            return Optional.empty();
        }
        Fields b = bf.get();
        b.value("agent").ifPresent(n -> agentDecls.put(path, AgentSpec.read(n, path + ".agent", errors)));
        return Optional.of(new BoxDecl(
                b,
                b.name("name", true),
                b.text("prompt", true),
                new SkillEntries(errors, baseDir).read(b),
                b.value("llm").map(n -> llm(n, path + ".llm")).orElse(LlmDecl.absent(path + ".llm", b.loc())),
                b.value("sandbox")
                        .map(n -> sandboxes.read(n, path + ".sandbox"))
                        .orElse(SandboxBlock.Decl.ABSENT),
                timeout(b),
                new Handoffs(errors).read(b, outputFile(b))));
    }

    private static Optional<Duration> timeout(Fields f) {
        return f.integer("timeout_secs", 1, Box.MAX_TIMEOUT.toSeconds()).map(Duration::ofSeconds);
    }

    private Optional<String> outputFile(Fields f) {
        Optional<String> file = f.text("output_file", false);
        if (file.isEmpty()) {
            return file;
        }
        String s = file.get();
        boolean escapes =
                s.startsWith("/") || s.contains("\\") || List.of(s.split("/")).contains("..");
        if (escapes) {
            errors.add(
                    f.pathOf("output_file"),
                    "must be a path relative to the workspace, without '..', got '" + s + "'",
                    f.locOf("output_file"));
            return Optional.empty();
        }
        return file;
    }

    private LlmDecl llm(Node node, String path) {
        Optional<Fields> lf = Fields.of(node, path, errors, LLM_FIELDS);
        if (lf.isEmpty()) {
            return LlmDecl.absent(path, node.loc());
        }
        Fields l = lf.get();
        Optional<Provider> provider = l.choice("provider", false, Provider.values(), Provider::id);
        Optional<String> model = l.text("model", false);
        Optional<String> baseUrl = l.text("base_url", false).filter(url -> {
            if (!isHttpUrl(url)) {
                errors.add(l.pathOf("base_url"), "must be an absolute http:// or https:// URL", l.locOf("base_url"));
                return false;
            }
            return true;
        });
        Optional<String> apiKeyEnv = l.text("api_key_env", false).filter(env -> {
            if (!Fields.ENV_NAME.matcher(env).matches()) {
                // The value may well be a pasted key: never echo it.
                errors.add(
                        l.pathOf("api_key_env"),
                        "must be the name of an environment variable (e.g. ANTHROPIC_API_KEY), "
                                + "not the key itself; value not shown",
                        l.locOf("api_key_env"));
                return false;
            }
            return true;
        });
        Optional<Path> scenario = l.text("scenario", false).flatMap(s -> {
            try {
                return Optional.of(baseDir.resolve(s).normalize());
            } catch (InvalidPathException e) {
                errors.add(l.pathOf("scenario"), "invalid path '" + s + "'", l.locOf("scenario"));
                return Optional.empty();
            }
        });
        Optional<Boolean> credentialProxy = l.bool("credential_proxy");
        Set<String> declared = new HashSet<>();
        LLM_FIELDS.stream().filter(l::has).forEach(declared::add);
        return new LlmDecl(
                path,
                l.loc(),
                new LlmConfig(provider, model, baseUrl, apiKeyEnv, scenario, credentialProxy),
                l.locOf("scenario"),
                Set.copyOf(declared));
    }

    static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.isAbsolute()
                    && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * Merges a box's llm over the top-level one field by field, and checks what the effective
     * provider requires. A missing field is reported at the pipeline box that lacks it (at the
     * top-level {@code llm} for kind agent); a missing scenario file at the declaration naming it.
     * Each error is reported at most once.
     */
    private LlmConfig mergeLlm(LlmDecl top, LlmDecl box, boolean pipelineBox, Set<String> reported, boolean mock) {
        LlmConfig merged = top.config().overriddenBy(box.config());
        if (mock) // VoidBox's mode: mock: no real model, whatever the llm block says
        merged = new LlmConfig(
                Optional.of(Provider.SCRIPTED), merged.model(), Optional.empty(), Optional.empty(), merged.scenario());
        boolean boxProvider = box.config().provider().isPresent();
        LlmDecl providerSource = boxProvider || pipelineBox ? box : top;
        String inherited = !boxProvider && pipelineBox ? ", inherited from llm.provider" : "";
        Optional<Provider> provider = merged.provider();
        LlmDecl scenarioSource = box.config().scenario().isPresent() ? box : top;
        Optional<Path> scenario = merged.scenario();
        // A declared but invalid value already has its own error: do not also call it missing.
        boolean baseUrlDeclared =
                box.fields().contains("base_url") || top.fields().contains("base_url");
        if (provider.orElse(null) == Provider.CUSTOM && !baseUrlDeclared) {
            reportOnce(
                    reported,
                    providerSource.path() + ".base_url",
                    "missing (required when provider is custom" + inherited + ")",
                    providerSource.loc());
        }
        // scripted without a scenario plays the built-in default one
        if (provider.orElse(null) == Provider.SCRIPTED) {
            if (scenario.isPresent() && !Files.isRegularFile(scenario.get())) {
                String problem =
                        Files.exists(scenario.get()) ? "scenario is not a regular file: " : "scenario file not found: ";
                reportOnce(
                        reported,
                        scenarioSource.path() + ".scenario",
                        problem + scenario.get(),
                        scenarioSource.scenarioLoc());
            }
        }
        return merged;
    }

    private void reportOnce(Set<String> reported, String path, String message, Node.Loc loc) {
        if (reported.add(path + "\n" + message)) {
            errors.add(path, message, loc);
        }
    }
}
