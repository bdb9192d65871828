package io.voidbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SkillTest {

    @Test
    void remoteSkillsBuildTheSkillsShUrlsOnGitHubsRawContent() {
        Skill.Remote withSkill = Skill.Remote.parse("obra/superpowers/systematic-debugging");
        assertThat(withSkill).isEqualTo(new Skill.Remote("obra", "superpowers", Optional.of("systematic-debugging")));
        assertThat(withSkill.url(Skill.Remote.GITHUB_RAW))
                .hasToString(
                        "https://raw.githubusercontent.com/obra/superpowers/main/skills/systematic-debugging/SKILL.md");
        assertThat(withSkill.name()).isEqualTo("systematic-debugging");

        Skill.Remote repoOnly = Skill.Remote.parse("owner/repo");
        assertThat(repoOnly.url(URI.create("http://127.0.0.1:8080")))
                .hasToString("http://127.0.0.1:8080/owner/repo/main/SKILL.md");
        assertThat(repoOnly.name()).isEqualTo("repo");
        assertThat(repoOnly.id()).isEqualTo("owner/repo");
    }

    @Test
    void remoteSkillIdsThatAreNotOwnerRepoSkillAreRefused() {
        assertThatThrownBy(() -> Skill.Remote.parse("justname")).hasMessageContaining("expected owner/repo[/skill]");
        assertThatThrownBy(() -> Skill.Remote.parse("owner/../etc")).hasMessageContaining("owner/../etc");
        assertThatThrownBy(() -> Skill.Remote.parse("owner/repo/a b")).hasMessageContaining("segments");
    }

    @Test
    void theJavaApisPlainStringIsAPathOrAName() {
        assertThat(Skill.of("skills/review.md")).isEqualTo(new Skill.Local(Path.of("skills/review.md")));
        assertThat(Skill.of("review.md").name()).isEqualTo("review");
        assertThat(Skill.of("summarize")).isEqualTo(new Skill.Named("summarize"));
    }
}
