package io.voidbox.spec;

/**
 * One problem in a spec file, pointing at the offending value.
 *
 * @param path    where in the document, e.g. {@code pipeline.boxes[2].name}; {@code (root)} for the
 *                whole document, {@code (syntax)} for a YAML/JSON syntax error, {@code (file)} when
 *                the file cannot be read
 * @param message what is wrong, e.g. {@code missing} or {@code unknown field 'foo' (allowed: ...)};
 *                never contains secret values
 * @param line    1-based line, 0 when unknown
 * @param column  1-based column, 0 when unknown
 */
public record SpecError(String path, String message, int line, int column) {

    /** {@code FILE:LINE:COL: path: message} (or {@code FILE: path: message} without a position). */
    public String format(String file) {
        String where = line > 0 ? file + ":" + line + ":" + column : file;
        return where + ": " + path + ": " + message;
    }
}
