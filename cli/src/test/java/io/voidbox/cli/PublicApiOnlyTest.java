package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The command line is a user of the library like any other: it may not reach into implementation packages. */
class PublicApiOnlyTest {
    private static final Pattern INTERNAL_IMPORT =
            Pattern.compile("^import (static )?io\\.voidbox\\.[a-z.]*internal\\.", Pattern.MULTILINE);

    @Test
    void cliImportsNoInternalPackageOfAnyModule() throws IOException {
        Path main = Path.of("src/main/java");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> INTERNAL_IMPORT.matcher(read(p)).find())
                    .map(p -> main.relativize(p).toString())
                    .toList();
        }
        try (Stream<Path> files = Files.walk(main)) {
            assertThat(files.filter(p -> p.toString().endsWith(".java")).count())
                    .isGreaterThan(5); // it really looked
        }
        assertThat(offenders).isEmpty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
