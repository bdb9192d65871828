package io.voidbox.spec;

import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.Pipeline;
import io.voidbox.SandboxOptions;
import io.voidbox.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Turns a validated spec into the same {@link Pipeline} a Java user would build. */
public final class SpecPipelines {
    private SpecPipelines() {}

    public static Pipeline toPipeline(PipelineSpec spec) {
        Map<String, Box> boxes = spec.boxes().stream().map(b -> toBox(b, spec.baseDir()))
                .collect(Collectors.toMap(Box::name, Function.identity()));
        List<Stage> stages = new ArrayList<>();
        for (StageSpec s : spec.stages()) {
            stages.add(switch (s) {
                case StageSpec.Single single -> new Stage.Single(boxes.get(single.box()));
                case StageSpec.FanOut fan -> new Stage.FanOut(fan.boxes().stream().map(boxes::get).toList());
            });
        }
        return new Pipeline(spec.name(), stages);
    }

    static Box toBox(BoxSpec b, Path baseDir) {
        SandboxSpec s = b.sandbox();
        SandboxOptions sandbox = new SandboxOptions(SandboxOptions.Backend.parse(s.backend().id()),
                SandboxOptions.Accel.parse(s.accel().id()), s.memoryMb(), s.vcpus(), s.network(), s.env(),
                s.mounts().stream().map(m -> new SandboxOptions.Mount(m.host(), m.guest(), m.readOnly())).toList(),
                s.telemetryIntervalMs());
        LlmSpec l = b.llm();
        LlmConfig llm = new LlmConfig(l.provider().map(p -> LlmConfig.Provider.parse(p.id())), l.model(), l.baseUrl(),
                l.apiKeyEnv(), l.scenario());
        List<String> skills = b.skills().stream().map(sk -> {
            Path p = baseDir.resolve(sk);
            return Files.exists(p) ? p.toAbsolutePath().normalize().toString() : sk;
        }).toList();
        Box.Builder builder = Box.named(b.name()).prompt(b.prompt()).skills(skills).llm(llm).sandbox(sandbox).timeout(b.timeout());
        b.outputFile().ifPresent(builder::outputFile);
        return builder.build();
    }
}
