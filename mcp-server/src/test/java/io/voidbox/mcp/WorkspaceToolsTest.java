package io.voidbox.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceToolsTest {
    @TempDir
    Path dir;

    @Test
    void wordCountCountsWordsLinesAndCodePoints() {
        assertThat(WorkspaceTools.wordCount("the quick brown fox\njumps over the lazy dog"))
                .containsExactly(Map.entry("words", 9L), Map.entry("lines", 2L), Map.entry("characters", 43L));
        assertThat(WorkspaceTools.wordCount("  \t\n")).containsEntry("words", 0L);
        assertThat(WorkspaceTools.wordCount("")).containsEntry("words", 0L).containsEntry("lines", 0L);
        assertThat(WorkspaceTools.wordCount("grüße 👋"))
                .containsEntry("words", 2L)
                .containsEntry("characters", 7L);
    }

    @Test
    void workspaceFilesListsRegularFilesSortedWithSizesAndLeavesHiddenOnesOut() throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve("b/c")).resolve("deep.txt"), "12345");
        Files.writeString(dir.resolve("a.txt"), "abc");
        Files.writeString(dir.resolve(".secret"), "x");
        Files.writeString(Files.createDirectories(dir.resolve(".claude")).resolve("voidbox-mcp.json"), "{}");
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("a.txt"));

        Map<String, Object> out = WorkspaceTools.workspaceFiles(dir, ".");

        assertThat(out.get("directory")).isEqualTo(dir.toString());
        assertThat(out.get("files"))
                .isEqualTo(List.of(Map.of("path", "a.txt", "bytes", 3L), Map.of("path", "b/c/deep.txt", "bytes", 5L)));
        assertThat(out.get("truncated")).isEqualTo(false);
        assertThat(WorkspaceTools.workspaceFiles(Path.of("/"), dir.resolve("b").toString())
                        .get("files"))
                .isEqualTo(List.of(Map.of("path", "c/deep.txt", "bytes", 5L)));
    }

    @Test
    void workspaceFilesStopsAtItsLimitAndSaysSo() throws Exception {
        for (int i = 0; i <= WorkspaceTools.MAX_FILES; i++) Files.createFile(dir.resolve(String.format("f%04d", i)));

        Map<String, Object> out = WorkspaceTools.workspaceFiles(dir, ".");

        assertThat((List<?>) out.get("files")).hasSize(WorkspaceTools.MAX_FILES);
        assertThat(out.get("truncated")).isEqualTo(true);
    }

    @Test
    void aMissingDirectoryIsAToolErrorNamingIt() {
        assertThatThrownBy(() -> WorkspaceTools.workspaceFiles(dir, "nope"))
                .isInstanceOf(WorkspaceTools.ToolException.class)
                .hasMessage("not a directory: " + dir.resolve("nope"));
    }
}
