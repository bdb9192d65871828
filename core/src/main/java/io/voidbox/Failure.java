package io.voidbox;

/**
 * Why a stage failed, as a closed family: code switches over kinds instead of comparing message
 * text, and every kind has one {@link #type() name} shared by events ({@code error_type}), spans
 * ({@code error.type}) and the summary.
 */
public sealed interface Failure {
    /** The kind's stable name on the wire. */
    String type();

    /** What happened, for people. */
    String message();

    /** Something else failed first (another fan-out branch, another workflow step), so this one was stopped. */
    record Cancelled(String message) implements Failure {
        /** Cancelled because another fan-out branch failed. */
        public Cancelled() {
            this("cancelled because another fan-out branch failed");
        }

        public String type() {
            return "cancelled";
        }
    }

    /** The stage ran past its deadline; its process tree was killed. */
    record Timeout(String message) implements Failure {
        public String type() {
            return "timeout";
        }
    }

    /** The agent itself reported an error in its final result. */
    record AgentError(String message) implements Failure {
        public String type() {
            return "agent_error";
        }
    }

    /** The agent process (or a workflow step's program) exited with a non-zero code without reporting an error. */
    record AgentExit(int exitCode, String message) implements Failure {
        public String type() {
            return "exit_code";
        }
    }

    /** The agent ended without a final result. */
    record NoResult(String message) implements Failure {
        public String type() {
            return "no_result";
        }
    }

    /** The sandbox could not be started or failed under the agent. */
    record SandboxError(String message) implements Failure {
        public String type() {
            return "sandbox_error";
        }
    }

    /** An unexpected exception in the runtime; {@code type} is its class's simple name. */
    record Internal(String type, String message) implements Failure {
        public static Internal of(Throwable t) {
            return new Internal(t.getClass().getSimpleName(), t.getClass().getSimpleName() + ": " + t.getMessage());
        }
    }
}
