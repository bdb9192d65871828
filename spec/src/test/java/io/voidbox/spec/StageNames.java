package io.voidbox.spec;

import io.voidbox.Box;
import io.voidbox.Stage;
import java.util.List;
import java.util.stream.Collectors;

/** Stages written as in the spec file ({@code box NAME}, {@code fan_out A, B}), for readable assertions. */
final class StageNames {
    private StageNames() {}

    static List<String> of(PipelineSpec spec) {
        return spec.stages().stream().map(StageNames::of).toList();
    }

    static String of(Stage stage) {
        return switch (stage) {
            case Stage.Single single -> "box " + single.box().name();
            case Stage.FanOut fanOut ->
                "fan_out " + fanOut.boxes().stream().map(Box::name).collect(Collectors.joining(", "));
        };
    }
}
