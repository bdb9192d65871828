package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.voidbox.cli.PrometheusNames.Kind;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedMetric;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.SpecLoader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The playground ({@code playground/}): its scripts fail early and clearly without their
 * prerequisites and touch nothing then, the compose file and dashboard provisioning fit
 * grafana/otel-lgtm, the dashboard queries only metrics a real run of the playground pipeline
 * exports (under Prometheus' OTLP name translation, see {@link PrometheusNames}), and
 * {@code up.sh} runs end to end against stand-ins for Docker and the stack (Docker cannot run here).
 */
class PlaygroundTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
    /** Labels Prometheus adds to OTLP series itself (job/instance from the resource, le of buckets, promoted service.name). */
    private static final Set<String> PROMETHEUS_LABELS = Set.of("job", "instance", "le", "service_name");
    /** The data source uids otel-lgtm provisions (docker/grafana-datasources.yaml of grafana/docker-otel-lgtm). */
    private static final String PROMETHEUS_UID = "prometheus";

    private static final String TEMPO_UID = "tempo";

    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("playground"))) p = p.getParent();
        assertThat(p).as("repository root with playground/").isNotNull();
        return p;
    }

    static Path playground() {
        return repoRoot().resolve("playground");
    }

    // ------------------------------------------------------------------ scripts

    private static List<Path> scripts() throws IOException {
        try (Stream<Path> s = Files.walk(playground())) {
            return s.filter(p -> p.toString().endsWith(".sh")).sorted().toList();
        }
    }

    @Test
    void everyScriptIsValidBash() throws Exception {
        List<Path> scripts = scripts();
        assertThat(scripts).extracting(p -> p.getFileName().toString()).contains("up.sh");
        for (Path script : scripts) {
            Result r = exec(Map.of("PATH", System.getenv("PATH")), SCRIPT_TIMEOUT, bash(), "-n", script.toString());
            assertThat(r.exit()).as("bash -n %s: %s", script, r.err()).isZero();
            assertThat(Files.isExecutable(script))
                    .as("%s is executable", script)
                    .isTrue();
        }
    }

    @Test
    void everyScriptIsShellcheckClean() throws Exception {
        Optional<Path> shellcheck = onPath("shellcheck");
        assumeTrue(shellcheck.isPresent(), "shellcheck is not installed (apt-get install -y shellcheck)");
        for (Path script : scripts()) {
            Result r = exec(
                    Map.of("PATH", System.getenv("PATH")),
                    SCRIPT_TIMEOUT,
                    shellcheck.get().toString(),
                    script.toString());
            assertThat(r.exit()).as("shellcheck %s:%n%s", script, r.out()).isZero();
        }
    }

    @Test
    void upFailsClearlyWithoutDockerAndChangesNothing() throws Exception {
        Path emptyBin = Files.createDirectory(tmp.resolve("empty-bin"));
        Map<String, String> before = snapshot(playground());
        Result r = up(Map.of("PATH", emptyBin.toString()));
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(1);
        assertThat(r.err())
                .contains("playground: error: docker is not installed")
                .contains("https://docs.docker.com/engine/install/");
        assertThat(snapshot(playground())).isEqualTo(before);
    }

    @Test
    void upFailsClearlyWhenComposeIsMissing() throws Exception {
        Stub docker = stubDocker("no-compose");
        Result r = up(docker.env());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("'docker compose' does not work").contains("docker-compose-plugin");
        assertThat(docker.calls()).containsExactly("compose version");
    }

    @Test
    void upFailsClearlyWhenTheEngineIsDownAndStartsNothing() throws Exception {
        Stub docker = stubDocker("no-engine");
        Map<String, String> before = snapshot(playground());
        Result r = up(docker.env());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("the Docker engine is not reachable: Cannot connect to the Docker daemon")
                .contains("systemctl start docker");
        assertThat(docker.calls()).containsExactly("compose version", "info");
        assertThat(snapshot(playground())).isEqualTo(before);
    }

    @Test
    void unknownProviderFailsBeforeAnythingRuns() throws Exception {
        Stub docker = stubDocker("ok");
        Map<String, String> env = new HashMap<>(docker.env());
        env.put("PLAYGROUND_PROVIDER", "bogus");
        Result r = up(env);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("PLAYGROUND_PROVIDER='bogus' is not a provider")
                .contains("anthropic, ollama, scripted");
        assertThat(docker.calls()).isEmpty();
    }

    @Test
    void unknownArgumentAndBadPortFailClearly() throws Exception {
        Stub docker = stubDocker("ok");
        Result arg = up(docker.env(), "--bogus");
        assertThat(arg.exit()).isEqualTo(1);
        assertThat(arg.err()).contains("usage:").contains("unknown argument '--bogus'");
        Map<String, String> env = new HashMap<>(docker.env());
        env.put("PLAYGROUND_GRAFANA_PORT", "70000");
        Result port = up(env);
        assertThat(port.exit()).isEqualTo(1);
        assertThat(port.err()).contains("PLAYGROUND_GRAFANA_PORT='70000' is not a TCP port");
        assertThat(docker.calls()).isEmpty();
    }

    @Test
    void downStopsTheStack() throws Exception {
        Stub docker = stubDocker("ok");
        Result r = up(docker.env(), "--down");
        assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
        assertThat(docker.calls())
                .containsExactly(
                        "compose version", "info", "compose -f " + playground().resolve("compose.yaml") + " down");
        assertThat(r.out()).contains("stack stopped");
    }

    /**
     * Everything up.sh does, with a stand-in for docker, a stand-in Grafana health endpoint, the
     * real OTLP receiver in place of the stack, and the real CLI on the local backend.
     */
    @Test
    void upRunsThePlaygroundAgainstTheStackAndLinksToItsTrace() throws Exception {
        Stub docker = stubDocker("ok");
        HttpServer grafana = fakeGrafana();
        try {
            Path runs = tmp.resolve("runs");
            Map<String, String> env = stackEnv(docker, grafana, runs);
            env.put("PLAYGROUND_PROVIDER", "scripted");
            env.put("PLAYGROUND_VOIDBOX", voidboxWrapper().toString());
            Result r =
                    exec(env, RUN_TIMEOUT, bash(), playground().resolve("up.sh").toString());
            System.out.println("up.sh stdout:\n" + r.out() + "up.sh stderr (last lines):\n"
                    + r.err()
                            .lines()
                            .skip(Math.max(0, r.err().lines().count() - 5))
                            .collect(Collectors.joining("\n")));
            assertThat(r.exit())
                    .as("exit code; stdout:%n%s%nstderr:%n%s", r.out(), r.err())
                    .isZero();

            assertThat(docker.calls())
                    .containsExactly(
                            "compose version",
                            "info",
                            "compose -f " + playground().resolve("compose.yaml") + " up -d");
            assertThat(r.out())
                    .contains("stack is up")
                    .contains("provider: scripted")
                    .contains("dashboard: http://localhost:"
                            + grafana.getAddress().getPort() + "/d/voidbox-playground/voidbox");

            List<Path> eventFiles;
            try (Stream<Path> s = Files.list(runs)) {
                eventFiles = s.toList();
            }
            assertThat(eventFiles).hasSize(1);
            JsonNode first =
                    JSON.readTree(Files.readAllLines(eventFiles.getFirst()).getFirst());
            String runId = first.path("run_id").asText();
            assertThat(runId).isNotBlank();

            // The printed trace link finds exactly the trace this run exported.
            List<String> links = r.out()
                    .lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("playground:   http"))
                    .map(l -> l.substring("playground:".length()).strip())
                    .toList();
            assertThat(links).hasSize(2);
            JsonNode pane = explorePane(links.getFirst());
            assertThat(pane.path("datasource").asText()).isEqualTo(TEMPO_UID);
            assertThat(pane.at("/queries/0/query").asText()).isEqualTo("{ span.voidbox.run_id = \"" + runId + "\" }");
            assertThat(explorePane(links.get(1)).at("/queries/0/query").asText())
                    .isEqualTo("{ resource.service.name = \"void-box\" && name = \"pipeline:playground\" }");
            assertThat(otlp.awaitSpans(
                            s -> s.stream().anyMatch(x -> x.name().equals("pipeline:playground")),
                            Duration.ofSeconds(10)))
                    .isTrue();
            ReceivedSpan root = otlp.spans("pipeline:playground").getFirst();
            assertThat(root.attributes()).containsEntry("voidbox.run_id", runId);
            assertThat(root.resource()).containsEntry("service.name", "void-box");
            assertThat(otlp.spans())
                    .extracting(ReceivedSpan::name)
                    .contains("stage:scout", "stage:cruncher", "stage:writer", "stage:reviewer");
            try (Stream<Path> s = Files.list(playground())) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".pipeline-"));
            }
        } finally {
            grafana.stop(0);
        }
    }

    @Test
    void anthropicRunsACopyOfThePipelineWithTheProviderReplacedAndRemovesIt() throws Exception {
        Stub docker = stubDocker("ok");
        HttpServer grafana = fakeGrafana();
        try {
            Path specCopy = tmp.resolve("spec-seen.yaml");
            Path voidboxLog = tmp.resolve("voidbox.log");
            Path fake = tmp.resolve("fake-voidbox");
            // records what it is asked to run and writes one event, like the real CLI would
            Files.writeString(fake, """
                    #!%s
                    printf '%%s\\n' "$*" >>'%s'
                    if [ "$1" = run ]; then
                      while [ $# -gt 0 ]; do
                        case $1 in --file) cp "$2" '%s'; shift ;; --events) events=$2; shift ;; esac
                        shift
                      done
                      printf 'endpoint=%%s protocol=%%s\\n' "$VOIDBOX_OTLP_ENDPOINT" "$VOIDBOX_OTLP_PROTOCOL" >>'%s'
                      printf '{"ts":"2026-01-01T00:00:00.000Z","type":"run.started","run_id":"feedc0de","pipeline":"playground"}\\n' >"$events"
                    fi
                    """.formatted(bash(), voidboxLog, specCopy, voidboxLog));
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
            Map<String, String> env = stackEnv(docker, grafana, tmp.resolve("runs"));
            env.put("PLAYGROUND_PROVIDER", "anthropic");
            env.put("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key");
            env.put("PLAYGROUND_VOIDBOX", fake.toString());
            Result r = exec(
                    env, SCRIPT_TIMEOUT, bash(), playground().resolve("up.sh").toString());
            assertThat(r.exit())
                    .as("stdout:%n%s%nstderr:%n%s", r.out(), r.err())
                    .isZero();
            assertThat(r.out() + r.err()).doesNotContain("sk-ant-test-not-a-real-key");

            List<String> calls = Files.readAllLines(voidboxLog);
            assertThat(calls.getFirst()).isEqualTo("version");
            Path temp = playground().resolve(".pipeline-anthropic.yaml");
            assertThat(calls.get(1))
                    .startsWith("run --file " + temp + " --events " + tmp.resolve("runs"))
                    .endsWith(" --backend local");
            assertThat(calls.get(2))
                    .isEqualTo("endpoint=http://127.0.0.1:"
                            + URI.create(otlp.grpcEndpoint()).getPort() + " protocol=grpc");
            assertThat(temp).as("the temporary spec is removed").doesNotExist();

            String copy = Files.readString(specCopy);
            assertThat(copy).contains("\n  provider: anthropic\n").doesNotContain("provider: scripted");
            PipelineSpec spec = SpecLoader.parse(copy, "pipeline.yaml", playground());
            assertThat(spec.boxes())
                    .allSatisfy(b -> assertThat(b.llm().provider())
                            .hasValueSatisfying(p -> assertThat(p.id()).isEqualTo("anthropic")));
            assertThat(r.out()).contains("run_id feedc0de");
        } finally {
            grafana.stop(0);
        }
    }

    @Test
    void anthropicWithoutAKeyFailsClearlyBeforeStartingTheStack() throws Exception {
        Stub docker = stubDocker("ok");
        Map<String, String> env = new HashMap<>(docker.env());
        env.put("PATH", docker.bin() + File.pathSeparator + System.getenv("PATH"));
        env.put("PLAYGROUND_PROVIDER", "anthropic");
        env.put("PLAYGROUND_BACKEND", "local");
        env.put("PLAYGROUND_VOIDBOX", trueCommand().toString());
        Result r = up(env);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("the anthropic provider needs ANTHROPIC_API_KEY");
        assertThat(docker.calls()).containsExactly("compose version", "info");
    }

    @Test
    void ollamaThatDoesNotAnswerFailsClearlyBeforeStartingTheStack() throws Exception {
        Stub docker = stubDocker("ok");
        Map<String, String> env = new HashMap<>(docker.env());
        env.put("PATH", docker.bin() + File.pathSeparator + System.getenv("PATH"));
        env.put("PLAYGROUND_PROVIDER", "ollama");
        env.put("PLAYGROUND_BACKEND", "local");
        env.put("OLLAMA_BASE_URL", "http://127.0.0.1:1");
        env.put("PLAYGROUND_VOIDBOX", trueCommand().toString());
        Result r = up(env);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("Ollama does not answer at http://127.0.0.1:1")
                .contains("ollama serve");
        assertThat(docker.calls()).containsExactly("compose version", "info");
    }

    @Test
    void aStackThatNeverBecomesHealthyFailsWithinTheWaitAndSaysWhereToLook() throws Exception {
        Stub docker = stubDocker("ok");
        HttpServer grafana = fakeGrafana();
        int deadGrafanaPort = grafana.getAddress().getPort();
        grafana.stop(0); // nothing answers there any more
        Map<String, String> env = stackEnv(docker, grafana, tmp.resolve("runs"));
        env.put("PLAYGROUND_GRAFANA_PORT", Integer.toString(deadGrafanaPort));
        env.put("PLAYGROUND_WAIT_SECS", "3");
        env.put("PLAYGROUND_PROVIDER", "scripted");
        env.put("PLAYGROUND_VOIDBOX", trueCommand().toString());
        long t0 = System.nanoTime();
        Result r = up(env);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("did not become healthy within 3s (Grafana: down, OTLP: up)")
                .contains("docker compose -f " + playground().resolve("compose.yaml") + " logs lgtm");
        assertThat(tmp.resolve("runs")).doesNotExist();
    }

    private Path trueCommand() throws IOException {
        Path fake = tmp.resolve("true-voidbox");
        Files.writeString(fake, "#!" + bash() + "\nexit 0\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fake;
    }

    /** Answers Grafana's /api/health like a healthy Grafana. */
    private static HttpServer fakeGrafana() throws IOException {
        HttpServer grafana = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        grafana.createContext("/api/health", ex -> {
            byte[] body = "{\"database\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (ex;
                    var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        grafana.start();
        return grafana;
    }

    /** up.sh's environment with the stand-in docker, the fake Grafana and the OTLP receiver in place of the stack. */
    private Map<String, String> stackEnv(Stub docker, HttpServer grafana, Path runs) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_OTLP")
                        || k.startsWith("PLAYGROUND_")
                        || k.equals("ANTHROPIC_API_KEY")
                        || k.equals("VOIDBOX_SERVICE_NAME"));
        env.putAll(docker.env());
        env.put("PATH", docker.bin() + File.pathSeparator + System.getenv("PATH"));
        env.put("PLAYGROUND_BACKEND", "local");
        env.put("PLAYGROUND_GRAFANA_PORT", Integer.toString(grafana.getAddress().getPort()));
        env.put(
                "PLAYGROUND_OTLP_GRPC_PORT",
                Integer.toString(URI.create(otlp.grpcEndpoint()).getPort()));
        env.put(
                "PLAYGROUND_OTLP_HTTP_PORT",
                Integer.toString(URI.create(otlp.httpEndpoint()).getPort()));
        env.put("PLAYGROUND_WAIT_SECS", "30");
        env.put("PLAYGROUND_RUNS_DIR", runs.toString());
        return env;
    }

    // ------------------------------------------------------------------ compose and provisioning

    @Test
    void composeStartsOnePinnedOtelLgtmContainerOnLoopbackWithTheDashboardProvisioned() throws Exception {
        JsonNode compose = YAML.readTree(playground().resolve("compose.yaml").toFile());
        JsonNode services = compose.path("services");
        assertThat(fieldNames(services)).containsExactly("lgtm");
        JsonNode lgtm = services.path("lgtm");
        assertThat(lgtm.path("image").asText()).matches("grafana/otel-lgtm:\\d+\\.\\d+\\.\\d+");

        Map<Integer, String> published = new TreeMap<>();
        for (JsonNode port : lgtm.path("ports")) {
            // "127.0.0.1:${PLAYGROUND_GRAFANA_PORT:-3000}:3000": host address, host port (overridable), container port
            Matcher m = Pattern.compile("^(127\\.0\\.0\\.1):\\$\\{(PLAYGROUND_[A-Z_]+_PORT):-(\\d+)}:(\\d+)$")
                    .matcher(port.asText());
            assertThat(m.matches())
                    .as("port %s is published on loopback with an overridable host port", port)
                    .isTrue();
            assertThat(m.group(3)).as("default host port of %s", port).isEqualTo(m.group(4));
            published.put(Integer.parseInt(m.group(4)), m.group(2));
        }
        assertThat(published).containsOnlyKeys(3000, 4317, 4318);
        assertThat(published)
                .containsEntry(3000, "PLAYGROUND_GRAFANA_PORT")
                .containsEntry(4317, "PLAYGROUND_OTLP_GRPC_PORT")
                .containsEntry(4318, "PLAYGROUND_OTLP_HTTP_PORT");

        JsonNode env = lgtm.path("environment");
        assertThat(env.path("GF_AUTH_ANONYMOUS_ENABLED").asText()).isEqualTo("true");
        assertThat(env.path("GF_AUTH_ANONYMOUS_ORG_ROLE").asText()).isEqualTo("Admin");

        Map<String, Path> mounts = new HashMap<>();
        for (JsonNode v : lgtm.path("volumes")) {
            String[] parts = v.asText().split(":");
            assertThat(parts).as("volume %s is host:container:ro", v).hasSize(3);
            assertThat(parts[2]).isEqualTo("ro");
            Path host = playground().resolve(parts[0]).normalize();
            assertThat(host).as("host side of %s", v).exists();
            mounts.put(parts[1], host);
        }
        String provisioningDir = "/otel-lgtm/grafana/conf/provisioning/dashboards/";
        String providerMount = mounts.keySet().stream()
                .filter(k -> k.startsWith(provisioningDir) && k.endsWith(".yaml"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no dashboard provider yaml mounted under " + provisioningDir));
        JsonNode provider = YAML.readTree(mounts.get(providerMount).toFile());
        assertThat(provider.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode providers = provider.path("providers");
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0).path("type").asText()).isEqualTo("file");
        String dashboardsPath = providers.get(0).at("/options/path").asText();
        assertThat(mounts).as("the provider's path is a mounted directory").containsKey(dashboardsPath);
        Path dashboardsHost = mounts.get(dashboardsPath);
        assertThat(dashboardsHost).isDirectory();
        assertThat(dashboardsHost.resolve("voidbox.json")).isRegularFile();
        String home = env.path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
        assertThat(home).startsWith(dashboardsPath + "/");
        assertThat(dashboardsHost.resolve(home.substring(dashboardsPath.length() + 1)))
                .isRegularFile();
    }

    @Test
    void playgroundPipelineValidatesAndHasTheLineUpShRewrites() throws Exception {
        Path file = playground().resolve("pipeline.yaml");
        PipelineSpec spec = SpecLoader.load(file);
        assertThat(spec.name()).isEqualTo("playground");
        assertThat(spec.boxes()).extracting(b -> b.name()).containsExactly("scout", "cruncher", "writer", "reviewer");
        assertThat(spec.boxes()).allSatisfy(b -> {
            assertThat(b.llm().provider())
                    .hasValueSatisfying(p -> assertThat(p.id()).isEqualTo("scripted"));
            assertThat(b.llm().scenario()).hasValueSatisfying(s -> assertThat(s).isRegularFile());
        });
        // up.sh replaces exactly this line for the anthropic and ollama providers
        assertThat(Files.readAllLines(file))
                .filteredOn(l -> l.matches("^  provider: scripted\\b.*"))
                .hasSize(1);
    }

    // ------------------------------------------------------------------ dashboard vs. a real run

    @Test
    void dashboardQueriesOnlyMetricsThatARealPlaygroundRunExports() throws Exception {
        JsonNode dashboard = JSON.readTree(
                playground().resolve("grafana/dashboards/voidbox.json").toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("voidbox-playground");
        List<String> exprs = promQueries(dashboard);
        assertThat(exprs).hasSizeGreaterThan(10);
        Set<String> usedMetrics = new TreeSet<>();
        Set<String> usedLabels = new TreeSet<>();
        for (String expr : exprs) {
            PrometheusNames.Used used = PrometheusNames.used(expr);
            assertThat(used.metrics()).as("metrics of %s", expr).isNotEmpty();
            assertThat(used.functions())
                    .as("functions of %s", expr)
                    .isSubsetOf(
                            "sum", "max", "last_over_time", "label_values", "histogram_quantile", "rate", "increase");
            usedMetrics.addAll(used.metrics());
            usedLabels.addAll(used.labels());
        }

        // A real run of the playground pipeline, exported over real OTLP.
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_OTLP")
                        || k.equals("ANTHROPIC_API_KEY")
                        || k.equals("VOIDBOX_SERVICE_NAME"));
        env.put("VOIDBOX_OTLP_ENDPOINT", otlp.grpcEndpoint());
        int exit = VoidboxCommand.execute(
                env,
                "run",
                "--file",
                playground().resolve("pipeline.yaml").toString(),
                "--backend",
                "local",
                "--events",
                tmp.resolve("events.jsonl").toString());
        assertThat(exit).isZero();
        otlp.awaitMetrics(m -> exported(m).keySet().containsAll(usedMetrics), Duration.ofSeconds(15));
        Map<String, String> exported = exported(otlp.metrics());
        assertThat(exported.keySet())
                .as("Prometheus series names of the exported metrics (from OTLP name): %s", exported)
                .containsAll(usedMetrics);

        // Prometheus' OTLP endpoint drops delta sums by default: everything must be cumulative.
        for (ReceivedMetric m : otlp.metrics()) {
            Metric p = m.proto();
            if (p.hasSum()) {
                assertThat(p.getSum().getAggregationTemporality())
                        .as(m.name())
                        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
            }
            if (p.hasHistogram()) {
                assertThat(p.getHistogram().getAggregationTemporality())
                        .as(m.name())
                        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
            }
        }

        // Labels in matchers and groupings exist on the exported points (or are added by Prometheus).
        Set<String> exportedLabels = new TreeSet<>(PROMETHEUS_LABELS);
        for (ReceivedMetric m : otlp.metrics()) {
            m.points()
                    .forEach(pt ->
                            pt.attributes().keySet().forEach(k -> exportedLabels.add(PrometheusNames.labelName(k))));
            m.histogramPoints()
                    .forEach(pt ->
                            pt.attributes().keySet().forEach(k -> exportedLabels.add(PrometheusNames.labelName(k))));
        }
        assertThat(exportedLabels).containsAll(usedLabels);
        assertThat(otlp.metrics().getFirst().resource())
                .containsEntry("service.name", "void-box"); // job="$service" default

        // The panels the playground promises are there.
        assertThat(usedMetrics)
                .contains(
                        series("pipeline.stage.duration_ms"),
                        series("pipeline.stage.input_tokens"),
                        series("pipeline.stage.output_tokens"),
                        series("pipeline.stage.cost_usd"),
                        series("pipeline.stage.tool_calls"),
                        series("guest.cpu.utilization"),
                        series("guest.memory.used_bytes"));

        // The README documents every name the dashboard relies on.
        String readme = Files.readString(playground().resolve("README.md"));
        assertThat(usedMetrics).allSatisfy(name -> assertThat(readme).contains(name));
    }

    /** The one Prometheus series name of a non-histogram metric, from the contract's unit and kind. */
    private String series(String otelName) {
        ReceivedMetric m = otlp.metrics(otelName).getFirst();
        Set<String> names = PrometheusNames.seriesNames(m.name(), m.proto().getUnit(), kind(m.proto()));
        assertThat(names).hasSize(1);
        return names.iterator().next();
    }

    /** Prometheus series name -> OTLP metric name, for every metric received. */
    private static Map<String, String> exported(List<ReceivedMetric> metrics) {
        Map<String, String> out = new TreeMap<>();
        for (ReceivedMetric m : metrics) {
            for (String s : PrometheusNames.seriesNames(m.name(), m.proto().getUnit(), kind(m.proto()))) {
                out.put(s, m.name() + " [" + m.proto().getUnit() + "]");
            }
        }
        return out;
    }

    private static Kind kind(Metric m) {
        return switch (m.getDataCase()) {
            case SUM -> m.getSum().getIsMonotonic() ? Kind.MONOTONIC_COUNTER : Kind.NON_MONOTONIC_COUNTER;
            case GAUGE -> Kind.GAUGE;
            case HISTOGRAM -> Kind.HISTOGRAM;
            case EXPONENTIAL_HISTOGRAM -> Kind.EXPONENTIAL_HISTOGRAM;
            case SUMMARY -> Kind.SUMMARY;
            case DATA_NOT_SET -> throw new AssertionError("metric without data: " + m.getName());
        };
    }

    /** Every PromQL expression of the dashboard: panel targets on the Prometheus data source and query variables. */
    private static List<String> promQueries(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            JsonNode panel = panels.get(i);
            panel.path("panels").forEach(panels::add); // collapsed rows
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            String panelUid = panel.at("/datasource/uid").asText();
            assertThat(panelUid)
                    .as("data source of panel '%s'", panel.path("title").asText())
                    .isIn(PROMETHEUS_UID, TEMPO_UID);
            assertThat(panel.path("targets"))
                    .as("targets of panel '%s'", panel.path("title").asText())
                    .isNotEmpty();
            for (JsonNode t : panel.path("targets")) {
                String uid = t.at("/datasource/uid").asText(panelUid);
                assertThat(uid).isIn(PROMETHEUS_UID, TEMPO_UID);
                if (uid.equals(PROMETHEUS_UID)) {
                    assertThat(t.path("expr").asText())
                            .as("expr of panel '%s'", panel.path("title").asText())
                            .isNotBlank();
                    out.add(t.path("expr").asText());
                }
            }
        }
        for (JsonNode v : dashboard.at("/templating/list")) {
            if (v.path("type").asText().equals("query")) {
                assertThat(v.at("/datasource/uid").asText()).isEqualTo(PROMETHEUS_UID);
                JsonNode q = v.path("query");
                out.add(q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        return out;
    }

    private static JsonNode explorePane(String url) throws IOException {
        URI uri = URI.create(url);
        assertThat(uri.getPath()).isEqualTo("/explore");
        String panes = Stream.of(uri.getRawQuery().split("&"))
                .filter(p -> p.startsWith("panes="))
                .map(p -> URLDecoder.decode(p.substring("panes=".length()), StandardCharsets.UTF_8))
                .findFirst()
                .orElseThrow();
        JsonNode all = JSON.readTree(panes);
        assertThat(all.size()).isEqualTo(1);
        return all.elements().next();
    }

    // ------------------------------------------------------------------ process helpers

    record Result(int exit, String out, String err) {}

    /** A stand-in docker that logs its arguments; mode ok | no-compose | no-engine. */
    record Stub(Path bin, Path log) {
        Map<String, String> env() {
            return Map.of("PATH", bin.toString(), "STUB_DOCKER_LOG", log.toString());
        }

        List<String> calls() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        }
    }

    private Stub stubDocker(String mode) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("stub-bin-" + mode));
        Path log = tmp.resolve("docker-" + mode + ".log");
        String script = """
                #!%s
                printf '%%s\\n' "$*" >>"$STUB_DOCKER_LOG"
                mode=%s
                case "$1 ${2:-}" in
                  "compose version")
                    if [ "$mode" = no-compose ]; then printf 'docker: unknown command: docker compose\\n' >&2; exit 1; fi
                    printf 'Docker Compose version v2.29.7\\n' ;;
                  "info "*)
                    if [ "$mode" = no-engine ]; then
                      printf 'Client:\\n Context: default\\n\\nServer:\\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\\n' >&2
                      exit 1
                    fi
                    printf 'Server Version: 27.3.1\\n' ;;
                  *) ;;
                esac
                """.formatted(bash(), mode);
        Path docker = bin.resolve("docker");
        Files.writeString(docker, script);
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Stub(bin, log);
    }

    /** The CLI as a command, on this JVM's class path (no launcher: it would rebuild the project). */
    private Path voidboxWrapper() throws IOException {
        Path wrapper = tmp.resolve("voidbox");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(
                wrapper,
                "#!" + bash() + "\nexec '" + java + "' -cp '" + System.getProperty("java.class.path")
                        + "' io.voidbox.cli.VoidboxCommand \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return wrapper;
    }

    private Result up(Map<String, String> env, String... args) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of(bash(), playground().resolve("up.sh").toString()));
        cmd.addAll(List.of(args));
        return exec(env, SCRIPT_TIMEOUT, cmd.toArray(String[]::new));
    }

    private Result exec(Map<String, String> env, Duration timeout, String... cmd) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(repoRoot().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", cmd) + "\nstdout:\n"
                        + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.onExit().get(10, TimeUnit.SECONDS);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String bash() {
        for (String candidate : List.of("/bin/bash", "/usr/bin/bash")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return onPath("bash").map(Path::toString).orElseThrow(() -> new AssertionError("no bash"));
    }

    private static Optional<Path> onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, tool))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Relative path -> size and modification time of every file and directory under {@code dir}. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.collect(Collectors.toMap(
                    p -> dir.relativize(p).toString(),
                    p -> {
                        try {
                            return Files.size(p) + "@" + Files.getLastModifiedTime(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    (a, b) -> a,
                    TreeMap::new));
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
