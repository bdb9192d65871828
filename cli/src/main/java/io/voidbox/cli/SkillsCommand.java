package io.voidbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Box;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import io.voidbox.spec.WorkflowSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Lists the skills each box gets and where each comes from: a {@code SKILL.md}-style file or a
 * skill directory (copied into the box's {@code .claude/skills/}), or a bare name (only named in
 * the prompt).
 */
@Command(name = "skills", description = "List the resolved skills of every box and where each comes from.")
final class SkillsCommand implements Callable<Integer> {
    @ParentCommand
    VoidboxCommand parent;

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    /** One skill of one box: what it is and where it comes from. */
    record Row(String box, String skill, String source, String detail) {}

    @Override
    public Integer call() {
        Spec spec;
        try {
            spec = SpecLoader.loadSpec(file, parent.userConfig());
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        List<Row> rows = switch (spec) {
            case PipelineSpec p -> rows(p.boxes());
            case WorkflowSpec w -> List.of();
        };
        if (parent.output == VoidboxCommand.Output.JSON) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode();
            o.put("file", spec.sourceFile().toString());
            o.put("kind", spec.kind().id());
            ArrayNode skills = o.putArray("skills");
            for (Row r : rows)
                skills.addObject()
                        .put("box", r.box())
                        .put("skill", r.skill())
                        .put("source", r.source())
                        .put("detail", r.detail());
            System.out.println(o.toPrettyString());
        } else if (rows.isEmpty()) {
            System.out.println(
                    spec instanceof WorkflowSpec
                            ? "no skills: a workflow runs programs, not agents"
                            : "no skills in " + file);
        } else {
            String fmt = "%-20s %-32s %-10s %s%n";
            System.out.printf(Locale.ROOT, fmt, "BOX", "SKILL", "SOURCE", "DETAIL");
            for (Row r : rows) System.out.printf(Locale.ROOT, fmt, r.box(), r.skill(), r.source(), r.detail());
        }
        return VoidboxCommand.EXIT_OK;
    }

    static List<Row> rows(List<Box> boxes) {
        List<Row> rows = new ArrayList<>();
        for (Box b : boxes) for (String skill : b.skills()) rows.add(row(b.name(), skill));
        return rows;
    }

    /** Where one resolved skill comes from (the spec resolves existing paths to absolute ones). */
    private static Row row(String box, String skill) {
        Path p = Path.of(skill);
        if (p.isAbsolute() && Files.isDirectory(p))
            return new Row(
                    box, p.getFileName().toString(), "directory", skill + " -> .claude/skills/" + p.getFileName());
        if (p.isAbsolute() && Files.isRegularFile(p)) {
            String name = p.getFileName().toString().replaceFirst("\\.md$", "");
            return new Row(box, name, "file", skill + " -> .claude/skills/" + name + "/SKILL.md");
        }
        return new Row(box, skill, "name", "named in the prompt (no file)");
    }
}
