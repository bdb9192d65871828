/**
 * The pipeline spec format: what users write, validated strictly and resolved into the same
 * {@link io.voidbox.Pipeline}, {@link io.voidbox.Box}, {@link io.voidbox.SandboxOptions} and
 * {@link io.voidbox.LlmConfig} a Java user builds, with the core's defaults and limits (the
 * values noted below). Entry point: {@link io.voidbox.spec.SpecLoader}; result:
 * {@link io.voidbox.spec.PipelineSpec}; errors: {@link io.voidbox.spec.SpecException}. How the
 * file is read and resolved is in {@code io.voidbox.spec.internal} (not API).
 *
 * <pre>{@code
 * api_version: v1                 # required, only v1
 * kind: pipeline                  # required: agent | pipeline | workflow
 * name: my-pipeline               # required, [a-z0-9][a-z0-9_-]*, <= 63 chars; VM name prefix
 * runner: claude-code             # the agent CLI of every box: claude-code | codex (default claude-code)
 * sandbox:                        # optional; every field optional
 *   backend: auto                 # auto | vm | local                    (default auto)
 *   accel: auto                   # auto | kvm | tcg                     (default auto)
 *   memory_mb: 1024               # 256..65536                           (default 1024)
 *   vcpus: 1                      # 1..8                                 (default 1)
 *   network: restricted           # restricted | open | off; true = open, false = restricted (default restricted)
 *   allow: ["host:8080"]          # HOST:PORT the box may reach besides its model; host = this machine;
 *                                 # also *.example.org:443 and 10.1.0.0/16:5432
 *   env: {KEY: value}             # names [A-Za-z_][A-Za-z0-9_]*; scalar values taken as written
 *   mounts:                       # host: relative to the spec's directory; guest: absolute
 *     - {host: data, guest: /data, mode: ro}   # mode ro | rw        (default ro)
 *   telemetry_interval_ms: 1000   # 100..60000                           (default 1000)
 * llm:                            # optional; absent fields stay empty (the runtime decides)
 *   provider: scripted            # claude | anthropic | ollama | custom | scripted | codex (Codex boxes)
 *   model: claude-sonnet-4-5
 *   base_url: http://127.0.0.1:8080   # http(s); required for custom
 *   api_key_env: ANTHROPIC_API_KEY    # the NAME of an env var, never the key
 *   scenario: scenarios/box.yaml      # required for scripted; relative to the spec's directory;
 *                                     # must exist
 * agent:                          # kind: agent only (resolves to one box named after the spec)
 *   prompt: "..."                 # required
 *   skills: [skills/review.md, summarize]   # skill files/dirs (relative to the spec) or names
 *   timeout_secs: 600             # 1..86400                             (default 600)
 *   output_file: out.json         # workspace-relative, no '..'; else the final text is the output
 *   max_turns: 20                 # the agent's own limits and policy (docs/failures.md), all optional:
 *   max_budget_usd: 0.50          #   1..10000 turns; > 0 dollars
 *   allowed_tools: [Read, Bash]   #   tools used without asking (on local the agent's checks are on)
 *   disallowed_tools: [WebFetch]
 *   permission_mode: acceptEdits  #   default | acceptEdits | plan | bypassPermissions
 *   model: claude-sonnet-4-5      #   the box's model (not together with llm.model)
 *   append_system_prompt: "..."
 *   version: 2.1.332              #   another Claude Code (local backend), or latest; default pinned
 * pipeline:                       # kind: pipeline only
 *   boxes:                        # required, at least one
 *     - name: collect             # required, unique, same pattern as the spec name
 *       runner: codex             # overrides the top-level runner
 *       prompt: "..."             # required
 *       skills: [...]
 *       llm: {...}                # overrides top-level llm field by field
 *       sandbox: {...}            # overrides top-level sandbox field by field (env merges per
 *                                 # key, mounts replaces)
 *       timeout_secs: 600
 *       output_file: output.json
 *       agent: {max_turns: 20}    # the agent fields above (max_turns ... version), per box
 *   stages:                       # optional: default runs every box in declaration order
 *     - {type: box, name: collect}
 *     - {type: fan_out, boxes: [a, b]}   # >= 2 boxes, run concurrently
 * workflow:                       # kind: workflow only: programs in ONE box (the top-level sandbox)
 *   steps:                        # required, at least one; run as a graph, independent ones at once
 *     - name: fetch               # required, unique, same pattern as the spec name
 *       run: {program: echo, args: ["hi"], stdin_from: other}   # stdin_from: another step's stdout
 *       depends_on: [other]       # steps that must succeed first
 *       timeout_secs: 600         # 1..86400                             (default 600)
 *   output_step: fetch            # whose stdout is the result (default: the last step)
 * }</pre>
 *
 * <p>A spec resolves to a {@link io.voidbox.spec.Spec}: a {@link io.voidbox.spec.PipelineSpec}
 * (agent, pipeline) or a {@link io.voidbox.spec.WorkflowSpec}. The user's
 * {@link io.voidbox.spec.UserConfig} can be put under it as the lowest layer.
 *
 * <p>Every box must be used by exactly one stage. Unknown fields, wrong types, explicit values out
 * of range and dangling references are errors; all of them are reported at once, each with its
 * path and line/column ({@link io.voidbox.spec.SpecException}). An explicit {@code null}
 * (an empty YAML value) counts as absent. YAML aliases and tagged values are rejected.
 */
package io.voidbox.spec;
