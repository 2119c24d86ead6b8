package io.omnihub.connectors.files;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one partner file, row by row: accepted, or the reason the row was rejected; or the reason the
 * whole file was refused. Written back beside the file as {@code <name>.result.csv}. Cells that a spreadsheet
 * would read as a formula are neutralised.
 */
public final class FileReport {

    private final String fileName;
    private final Map<Integer, String> rows = new TreeMap<>();
    private String refusal;
    private int total;
    private int accepted;
    private int rejected;

    public FileReport(String fileName) {
        this.fileName = fileName;
    }

    public synchronized void refuse(String reason) {
        this.refusal = reason;
    }

    public synchronized void total(int total) {
        this.total = total;
    }

    /** Records row {@code row} (1 = the first data row): accepted when {@code reason} is null. */
    public synchronized void row(int row, String reason) {
        if (rows.put(row, reason) == null && !rows.containsKey(-row)) {
            if (reason == null) {
                accepted++;
            } else {
                rejected++;
            }
        }
    }

    /** Whether row {@code row} has been recorded already. */
    public synchronized boolean has(int row) {
        return rows.containsKey(row);
    }

    public synchronized boolean refused() {
        return refusal != null;
    }

    public synchronized String refusal() {
        return refusal;
    }

    public synchronized int total() {
        return total;
    }

    public synchronized int done() {
        return rows.size();
    }

    public synchronized int accepted() {
        return accepted;
    }

    public synchronized int rejected() {
        return rejected;
    }

    public String fileName() {
        return fileName;
    }

    /** The result file: a header line, then one line per row (or one line saying why the file was refused). */
    public synchronized String csv() {
        StringWriter out = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
            printer.printRecord("row", "status", "reason");
            if (refusal != null) {
                printer.printRecord("file", "refused", safe(refusal));
            } else {
                for (Map.Entry<Integer, String> e : rows.entrySet()) {
                    printer.printRecord(e.getKey(), e.getValue() == null ? "accepted" : "rejected",
                            e.getValue() == null ? "" : safe(e.getValue()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A cell a spreadsheet would evaluate (=, +, -, @, tab, carriage return first) is prefixed with a quote. */
    static String safe(String cell) {
        if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
            return "'" + cell;
        }
        return cell;
    }
}
