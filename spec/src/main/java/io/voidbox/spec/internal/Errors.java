package io.voidbox.spec.internal;

import io.voidbox.spec.SpecError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every validation error of one document, so users can fix them all in one go. */
final class Errors {

    static final String ROOT = "(root)";

    private final List<SpecError> errors = new ArrayList<>();

    void add(String path, String message, Node.Loc loc) {
        errors.add(new SpecError(path, message, loc.line(), loc.column()));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** The errors in document order; errors without a position first. */
    List<SpecError> sorted() {
        List<SpecError> copy = new ArrayList<>(errors);
        copy.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
        return List.copyOf(copy);
    }

    static String child(String path, String key) {
        return path.isEmpty() || path.equals(ROOT) ? key : path + "." + key;
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
