package io.voidbox.spec;

import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.SandboxOptions;
import io.voidbox.spec.internal.SpecResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and validates spec files (agent, pipeline and workflow) ({@code api_version: v1}, YAML or JSON).
 *
 * <p>Validation is strict and complete: unknown fields, wrong types, bad enum values, out-of-range
 * numbers, broken stage references and missing scenario files are all errors, and <em>every</em>
 * error is reported with its path and line/column (see {@link SpecException}). JSON is used for
 * files ending in {@code .json}, YAML otherwise.
 *
 * <p>Defaults and limits are the core's: {@link SandboxOptions#defaults()} (backend {@code auto},
 * accel {@code auto}, 1024 MB, 1 vCPU, network {@code restricted}, telemetry every 1000 ms),
 * {@link Box#DEFAULT_TIMEOUT} (600 s) and mount {@code mode ro}. No {@code llm} default is
 * assumed: absent fields stay empty ({@link LlmConfig#auto()}) so the runtime can choose (e.g. the
 * scripted model when no API key is set). A box's {@code llm} and {@code sandbox} override the
 * top-level ones field by field ({@code env} merges key by key, {@code mounts} replaces). Relative
 * {@code scenario}, mount {@code host} and existing skill paths resolve against the spec file's
 * directory.
 *
 * <p>VoidBox's {@code v1} specs are read with VoidBox's meaning: {@code sandbox.mode}
 * ({@code auto}; {@code local} = a micro-VM on this host; {@code mock} = the local sandbox and the
 * scripted model), {@code observe} ({@link PipelineSpec#observe()}), {@code outputs}/{@code inputs}
 * (named directories handed to later boxes), prefixed skills ({@code agent:}, {@code file:},
 * {@code remote:}, {@code cli:}, {@code mcp:}, inline {@code content}) and the
 * {@code VOIDBOX_LLM_PROVIDER}/{@code _MODEL}/{@code _BASE_URL}/{@code _API_KEY_ENV} overrides
 * (with {@link #load(Path, Map)}: they win over the top-level {@code llm}, a box's own {@code llm}
 * wins over them). What this runtime does not do yet ({@code sandbox.image}, {@code guest_image},
 * {@code snapshot}, {@code kernel}, {@code initramfs}, agent {@code mode: service|interactive},
 * {@code messaging}, OCI skills, {@code kind: sandbox}) is an error
 * {@code path: not supported yet (...)}, never ignored. The comparison per VoidBox example is in
 * {@code docs/compat.md}.
 */
public final class SpecLoader {

    /** Spec files are small; anything larger is a mistake (or hostile). */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private SpecLoader() {}

    /**
     * Loads, validates and resolves the agent or pipeline spec in {@code file}; errors name
     * {@code file} as given. A {@code kind: workflow} file is an error here: use {@link #loadSpec}.
     */
    public static PipelineSpec load(Path file) throws SpecException {
        return pipelineOnly(loadSpec(file), file.toString());
    }

    /**
     * {@link #load(Path)} with the {@code VOIDBOX_LLM_*} overrides taken from {@code environment}
     * (what a run from the command line uses; errors name the variable).
     */
    public static PipelineSpec load(Path file, Map<String, String> environment) throws SpecException {
        return pipelineOnly(loadSpec(file, Optional.empty(), environment), file.toString());
    }

    /** Loads, validates and resolves a spec of any kind; errors name {@code file} as given. */
    public static Spec loadSpec(Path file) throws SpecException {
        return loadSpec(file, Optional.empty());
    }

    /**
     * Same, with the user's configuration ({@link UserConfig}) as the lowest layer: its
     * {@code sandbox} and {@code llm} defaults apply where the spec's top level does not set them.
     */
    public static Spec loadSpec(Path file, Optional<UserConfig> defaults) throws SpecException {
        return loadSpec(file, defaults, Map.of());
    }

    /** Same, with the {@code VOIDBOX_LLM_*} overrides of {@code environment} as well. */
    public static Spec loadSpec(Path file, Optional<UserConfig> defaults, Map<String, String> environment)
            throws SpecException {
        String display = file.toString();
        Path absolute = file.toAbsolutePath().normalize();
        String content;
        try {
            content = read(absolute);
        } catch (NoSuchFileException e) {
            throw fileError(display, "file not found: " + absolute);
        } catch (CharacterCodingException e) {
            throw fileError(display, "not valid UTF-8");
        } catch (IOException e) {
            throw fileError(display, "cannot read: " + e.getMessage());
        }
        return SpecResolver.resolve(content, display, absolute, defaults, environment); // read() bounded its size
    }

    /**
     * Validates and resolves spec text that did not come from {@link #load} (stdin, tests).
     *
     * @param fileNameForMessages names the source in error messages; JSON if it ends in
     *                            {@code .json}, YAML otherwise
     * @param baseDir             directory relative paths (scenarios, mounts, skills) resolve against
     */
    public static PipelineSpec parse(String content, String fileNameForMessages, Path baseDir) throws SpecException {
        return pipelineOnly(parseSpec(content, fileNameForMessages, baseDir), fileNameForMessages);
    }

    /** {@link #parse(String, String, Path)} with the {@code VOIDBOX_LLM_*} overrides of {@code environment}. */
    public static PipelineSpec parse(
            String content, String fileNameForMessages, Path baseDir, Map<String, String> environment)
            throws SpecException {
        return pipelineOnly(parseSpec(content, fileNameForMessages, baseDir, environment), fileNameForMessages);
    }

    /** Like {@link #parse}, for a spec of any kind. */
    public static Spec parseSpec(String content, String fileNameForMessages, Path baseDir) throws SpecException {
        return parseSpec(content, fileNameForMessages, baseDir, Map.of());
    }

    /** {@link #parseSpec(String, String, Path)} with the {@code VOIDBOX_LLM_*} overrides of {@code environment}. */
    public static Spec parseSpec(
            String content, String fileNameForMessages, Path baseDir, Map<String, String> environment)
            throws SpecException {
        Path dir = baseDir.toAbsolutePath().normalize();
        Path source;
        try {
            Path fileName = Path.of(fileNameForMessages).getFileName();
            source = dir.resolve(fileName == null ? Path.of("spec.yaml") : fileName);
        } catch (InvalidPathException e) {
            source = dir.resolve("spec.yaml");
        }
        if (content.length() > MAX_FILE_BYTES) {
            throw fileError(fileNameForMessages, "larger than " + MAX_FILE_BYTES + " bytes");
        }
        return SpecResolver.resolve(content, fileNameForMessages, source, Optional.empty(), environment);
    }

    private static PipelineSpec pipelineOnly(Spec spec, String display) throws SpecException {
        return switch (spec) {
            case PipelineSpec p -> p;
            case WorkflowSpec w ->
                throw new SpecException(
                        display,
                        List.of(new SpecError(
                                "kind",
                                "is workflow, not agent or pipeline (load it with SpecLoader.loadSpec)",
                                0,
                                0)));
        };
    }

    static String read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("is a directory");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
        }
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    private static SpecException fileError(String display, String message) {
        return new SpecException(display, List.of(new SpecError("(file)", message, 0, 0)));
    }
}
