package io.voidbox.spec.internal;

import io.voidbox.BoxFiles;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A pipeline box's {@code outputs} ({@code name}, {@code guest}) and {@code inputs} ({@code from},
 * {@code guest}): named directories handed from one box to a later one (VoidBox's format, with its
 * default guest paths). Checked across the pipeline: output names are unique, and an input names
 * an output of a box that runs in an earlier stage.
 */
final class Handoffs {
    static final Pattern OUTPUT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final List<String> OUTPUT_FIELDS = List.of("name", "guest");
    private static final List<String> INPUT_FIELDS = List.of("from", "guest");

    /** One declared output or input: its name ({@code name} or {@code from}), guest path and position. */
    record Dir(String name, String guest, String path, Node.Loc loc) {}

    /**
     * A box's files as declared.
     *
     * @param outputFile the {@code output_file}
     * @param outputs    its {@code outputs}
     * @param inputs     its {@code inputs}
     */
    record Decl(Optional<String> outputFile, List<Dir> outputs, List<Dir> inputs) {
        static Decl of(Optional<String> outputFile) {
            return new Decl(outputFile, List.of(), List.of());
        }

        BoxFiles files() {
            return new BoxFiles(
                    outputFile,
                    outputs.stream()
                            .map(d -> new BoxFiles.Output(d.name(), d.guest()))
                            .toList(),
                    inputs.stream()
                            .map(d -> new BoxFiles.Input(d.name(), d.guest()))
                            .toList());
        }
    }

    private final Errors errors;

    Handoffs(Errors errors) {
        this.errors = errors;
    }

    Decl read(Fields box, Optional<String> outputFile) {
        return new Decl(
                outputFile,
                dirs(box, "outputs", OUTPUT_FIELDS, "name", BoxFiles.DEFAULT_OUTPUT_GUEST),
                dirs(box, "inputs", INPUT_FIELDS, "from", BoxFiles.DEFAULT_INPUT_GUEST));
    }

    private List<Dir> dirs(Fields box, String key, List<String> allowed, String nameKey, String defaultGuest) {
        Optional<Node.ListNode> list = box.list(key, false);
        if (list.isEmpty()) return List.of();
        List<Dir> dirs = new ArrayList<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            Optional<Fields> df = Fields.of(items.get(i), Errors.index(box.pathOf(key), i), errors, allowed);
            if (df.isEmpty()) continue;
            Fields d = df.get();
            Optional<String> name = d.text(nameKey, true);
            if (name.isPresent() && !OUTPUT_NAME.matcher(name.get()).matches()) {
                errors.add(
                        d.pathOf(nameKey),
                        "invalid output name '" + name.get() + "' (must match " + OUTPUT_NAME.pattern() + ")",
                        d.locOf(nameKey));
                name = Optional.empty();
            }
            Optional<String> guest = d.text("guest", false).or(() -> Optional.of(defaultGuest));
            if (d.has("guest") && !belowWorkspace(guest.get())) {
                errors.add(
                        d.pathOf("guest"),
                        "must be a directory below /workspace, got '" + guest.get() + "'",
                        d.locOf("guest"));
                guest = Optional.empty();
            }
            if (name.isPresent() && guest.isPresent()) dirs.add(new Dir(name.get(), guest.get(), d.path, d.loc()));
        }
        return List.copyOf(dirs);
    }

    private static boolean belowWorkspace(String guest) {
        try {
            Path p = Path.of(guest);
            Path ws = Path.of("/workspace");
            return p.isAbsolute()
                    && !guest.contains("..")
                    && p.normalize().startsWith(ws)
                    && !p.normalize().equals(ws);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * Checks names across the pipeline.
     *
     * @param boxes      each box's name and files, in declaration order
     * @param stageOfBox the stage index each box runs in (boxes missing here are already reported)
     */
    void check(Map<String, Decl> boxes, Map<String, Integer> stageOfBox) {
        Map<String, Dir> outputs = new HashMap<>();
        Map<String, String> producer = new HashMap<>();
        for (Map.Entry<String, Decl> box : boxes.entrySet())
            for (Dir out : box.getValue().outputs()) {
                Dir first = outputs.putIfAbsent(out.name(), out);
                if (first != null)
                    errors.add(
                            out.path() + ".name",
                            "duplicate output name '" + out.name() + "' (also " + first.path() + ")",
                            out.loc());
                else producer.put(out.name(), box.getKey());
            }
        for (Map.Entry<String, Decl> box : boxes.entrySet())
            for (Dir in : box.getValue().inputs()) {
                String from = producer.get(in.name());
                if (from == null) {
                    errors.add(
                            in.path() + ".from",
                            "unknown output '" + in.name() + "'"
                                    + (producer.isEmpty()
                                            ? " (no box declares outputs)"
                                            : " (outputs: "
                                                    + String.join(
                                                            ", ",
                                                            producer.keySet().stream()
                                                                    .sorted()
                                                                    .toList()) + ")"),
                            in.loc());
                    continue;
                }
                Integer mine = stageOfBox.get(box.getKey());
                Integer theirs = stageOfBox.get(from);
                if (mine != null && theirs != null && theirs >= mine)
                    errors.add(
                            in.path() + ".from",
                            "output '" + in.name() + "' comes from box '" + from
                                    + "', which does not run in an earlier stage",
                            in.loc());
            }
    }
}
