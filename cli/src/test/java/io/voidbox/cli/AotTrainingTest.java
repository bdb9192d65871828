package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AotTrainingTest {
    @Test
    void theTrainingRunOfTheAotCachePrintsNothingStartsNothingAndCleansUp() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = aotDirs(tmp);
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            System.setErr(p);
            AotTraining.main(new String[0]);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(System.out).isSameAs(out);
        assertThat(aotDirs(tmp)).isEqualTo(before);
        // the quick commands it trains answer as before
        assertThat(VersionCommand.lines()).hasSize(4);
        assertThat(VersionCommand.lines()[0]).startsWith("voidbox ");
    }

    private static long aotDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("voidbox-aot-"))
                    .count();
        }
    }
}
