package io.omnihub.delivery;

import java.util.List;

/**
 * Writes CSV for feed files that people open in spreadsheets: RFC 4180 quoting, and every cell that a
 * spreadsheet would take for a formula (starting with =, +, -, @, a tab or a carriage return) is prefixed with a
 * single quote, so a crafted value is shown, never evaluated.
 */
public final class FeedCsv {

    private FeedCsv() {
    }

    /** One CSV document, CRLF line ends, header first. */
    public static String write(List<String> header, List<List<String>> rows) {
        StringBuilder out = new StringBuilder();
        line(out, header);
        for (List<String> row : rows) {
            line(out, row);
        }
        return out.toString();
    }

    /** A cell, neutralised and quoted as needed. */
    public static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            v = "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    private static void line(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(cell(cells.get(i)));
        }
        out.append("\r\n");
    }
}
