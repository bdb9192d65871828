package io.voidbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Box;
import io.voidbox.McpServer;
import io.voidbox.Skill;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.WorkflowSpec;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * Lists the skills each box gets and where each comes from: a {@code SKILL.md}-style file or a
 * skill directory (copied into the box's {@code .claude/skills/}), or a bare name (only named in
 * the prompt).
 */
@Command(name = "skills", description = "List the resolved skills of every box and where each comes from.")
final class SkillsCommand extends SpecFileCommand {
    /** One skill of one box: what it is and where it comes from. */
    record Row(String box, String skill, String source, String detail) {}

    @Override
    int run(Spec spec) {
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
        for (Box b : boxes) {
            for (Skill skill : b.skills()) rows.add(row(b.name(), skill));
            for (McpServer m : b.agent().mcpServers())
                rows.add(new Row(
                        b.name(), m.name(), "mcp", "MCP server: " + m.command() + " " + String.join(" ", m.args())));
        }
        return rows;
    }

    /** Where one resolved skill comes from. */
    private static Row row(String box, Skill skill) {
        return switch (skill) {
            case Skill.Local l
            when Files.isDirectory(l.path()) ->
                new Row(box, skill.name(), "directory", l.path() + " -> .claude/skills/" + skill.name());
            case Skill.Local l ->
                new Row(box, skill.name(), "file", l.path() + " -> .claude/skills/" + skill.name() + "/SKILL.md");
            case Skill.Inline i ->
                new Row(
                        box,
                        skill.name(),
                        "inline",
                        i.content().length() + " chars -> .claude/skills/" + skill.name() + "/SKILL.md");
            case Skill.Cli c ->
                new Row(
                        box,
                        skill.name(),
                        "cli",
                        "program that must exist in the box (checked before the agent starts)");
            case Skill.Remote r ->
                new Row(
                        box,
                        skill.name(),
                        "remote",
                        r.url(Skill.Remote.GITHUB_RAW).toString());
            case Skill.Named n -> new Row(box, skill.name(), "name", "named in the prompt (no file)");
        };
    }
}
