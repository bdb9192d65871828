package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.protocol.Bytes;
import io.voidbox.protocol.FrameCodec;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.FileData;
import io.voidbox.protocol.Message.FileStat;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.WriteFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileServiceTest {
    @TempDir
    Path dir;

    private Path workspace;
    private Path home;
    private Path outside;
    private FileService files;

    @BeforeEach
    void setUp() throws IOException {
        workspace = Files.createDirectories(dir.resolve("workspace"));
        home = Files.createDirectories(dir.resolve("home"));
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "do not leak");
        files = new FileService(List.of(workspace, home), 64 * 1024);
    }

    private Message write(String path, String content) {
        return files.handle(new WriteFile(1, path, Bytes.of(content.getBytes(StandardCharsets.UTF_8)), 0));
    }

    private Message read(String path) {
        return files.handle(new ReadFile(2, path));
    }

    private static String error(Message m) {
        assertThat(m).isInstanceOf(Message.Error.class);
        return ((Message.Error) m).message();
    }

    @Test
    void writesReadsAndStatsInsideTheRoots() throws IOException {
        assertThat(files.handle(new WriteFile(1, "a/b/c.sh", Bytes.of("#!/bin/sh\n".getBytes()), 0750)))
                .isEqualTo(new Ok(1));
        Path written = workspace.resolve("a/b/c.sh");
        assertThat(written).hasContent("#!/bin/sh");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written)))
                .isEqualTo("rwxr-x---");
        assertThat(read("a/b/c.sh")).isEqualTo(new FileData(2, Bytes.of("#!/bin/sh\n".getBytes())));
        assertThat(read(workspace + "/a/./b/c.sh")).isEqualTo(new FileData(2, Bytes.of("#!/bin/sh\n".getBytes())));
        assertThat(write(home + "/.config/x.json", "{}")).isEqualTo(new Ok(1));
        assertThat(home.resolve(".config/x.json")).hasContent("{}");
        assertThat(files.handle(new StatFile(3, "a/b/c.sh"))).isEqualTo(new FileStat(3, true, 10, false));
        assertThat(files.handle(new StatFile(3, "a")))
                .isEqualTo(new FileStat(3, true, Files.size(workspace.resolve("a")), true));
        assertThat(files.handle(new StatFile(3, "nope/nothing"))).isEqualTo(new FileStat(3, false, 0, false));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(".config/x.json"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void rejectsDotDotComponents() {
        assertThat(error(read("../outside/secret.txt")))
                .isEqualTo("read ../outside/secret.txt: '..' components are not allowed");
        assertThat(error(write("a/../../outside/x", "x"))).contains("'..' components are not allowed");
        assertThat(error(files.handle(new StatFile(3, workspace + "/../outside"))))
                .contains("'..'");
        assertThat(outside.resolve("x")).doesNotExist();
    }

    @Test
    void rejectsAbsolutePathsOutsideTheRoots() {
        assertThat(error(read(outside + "/secret.txt")))
                .startsWith("read " + outside + "/secret.txt: path is outside the allowed roots");
        assertThat(error(read("/etc/passwd"))).contains("outside the allowed roots");
        assertThat(error(write(dir + "/workspace-evil/x", "x")))
                .as("prefix of a root name is not inside it")
                .contains("outside");
    }

    @Test
    void rejectsSymlinkedDirectoryLeadingOutside() throws IOException {
        Files.createSymbolicLink(workspace.resolve("link"), outside);
        assertThat(error(read("link/secret.txt")))
                .isEqualTo("read link/secret.txt: link is a symlink leading outside the allowed roots");
        assertThat(error(write("link/new.txt", "x"))).contains("symlink leading outside");
        assertThat(error(files.handle(new StatFile(3, "link/secret.txt")))).contains("symlink leading outside");
        assertThat(outside.resolve("new.txt")).doesNotExist();
    }

    @Test
    void neverFollowsASymlinkAsTheFinalComponent() throws IOException {
        Files.createSymbolicLink(workspace.resolve("evil"), outside.resolve("secret.txt"));
        assertThat(error(read("evil"))).isEqualTo("read evil: refusing to follow a symlink");
        assertThat(error(write("evil", "overwritten"))).isEqualTo("write evil: refusing to write through a symlink");
        assertThat(outside.resolve("secret.txt")).hasContent("do not leak");
        FileStat stat = (FileStat) files.handle(new StatFile(3, "evil"));
        assertThat(stat.exists()).isTrue();
        assertThat(stat.size())
                .as("size of the link itself, not the target")
                .isEqualTo(outside.resolve("secret.txt").toString().length());
    }

    @Test
    void allowsSymlinksThatStayInsideTheRoots() throws IOException {
        Files.createDirectories(workspace.resolve("real"));
        Files.createSymbolicLink(workspace.resolve("alias"), workspace.resolve("real"));
        assertThat(write("alias/f.txt", "ok")).isEqualTo(new Ok(1));
        assertThat(workspace.resolve("real/f.txt")).hasContent("ok");
    }

    @Test
    void rejectsDanglingSymlinkParentsAndNonRegularFiles() throws Exception {
        Files.createSymbolicLink(workspace.resolve("dangling"), dir.resolve("nowhere"));
        assertThat(error(write("dangling/x", "x"))).isEqualTo("write dangling/x: dangling is a dangling symlink");
        assertThat(dir.resolve("nowhere")).doesNotExist();
        Process mkfifo = new ProcessBuilder("mkfifo", workspace.resolve("pipe").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(error(read("pipe"))).isEqualTo("read pipe: not a regular file");
        assertThat(error(write("pipe", "x"))).isEqualTo("write pipe: not a regular file");
        assertThat(error(read("a-dir-that-is-missing/x"))).isEqualTo("read a-dir-that-is-missing/x: no such file");
        Files.createDirectories(workspace.resolve("d"));
        assertThat(error(read("d"))).isEqualTo("read d: is a directory");
    }

    @Test
    void rejectsEmptyNulAndOversizedFiles() throws IOException {
        assertThat(error(read(""))).isEqualTo("read : path is empty");
        assertThat(error(read("a\0b"))).contains("NUL");
        var small = new FileService(List.of(workspace), FrameCodec.MIN_MAX_FRAME_BYTES);
        Files.write(workspace.resolve("big"), new byte[FrameCodec.MIN_MAX_FRAME_BYTES]);
        assertThat(error(small.handle(new ReadFile(1, "big")))).contains("over the frame limit");
    }
}
