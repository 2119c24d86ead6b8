package io.omnihub.connectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.deadletter.DeadLetters;
import org.apache.camel.Exchange;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The row-by-row work of the {@code sftp-file-source} connector. {@link #begin} checks the file as a whole
 * (name, size, encoding, header, not empty) and splits it into rows, each a JSON object of its columns plus
 * {@code _file}, {@code _fileId} and {@code _row}; the connector passes each row to its flow; {@link #rowDone} and
 * {@link #rowFailed} note what became of it (a rejected row is a dead letter); {@link #finish} writes the result
 * file. A bad row never stops the good rows of the same file.
 */
@Component("sftpFiles")
public class SftpFiles {

    /** Exchange properties the connector sets for this bean. */
    public static final String PROP_SOURCE = "omnihub.file.source";
    public static final String PROP_COLUMNS = "omnihub.file.columns";
    public static final String PROP_MAX_BYTES = "omnihub.file.maxBytes";
    public static final String PROP_REPORT = "omnihubFileReport";
    /** done or error: where the consumer moves the file once processed (used in the connector's move option). */
    public static final String PROP_FOLDER = "omnihubFileFolder";
    public static final String PROP_FILE_NAME = "omnihubFileName";
    public static final String PROP_RESULT_NAME = "omnihubResultFileName";
    private static final String PROP_ROW_JSON = "omnihub.file.rowJson";
    /** Header on each row: its number in the file (1 = first data row). */
    public static final String ROW = "OmnihubFileRow";
    public static final String FILE = "OmnihubFile";

    private static final Logger log = LoggerFactory.getLogger(SftpFiles.class);

    private final ObjectMapper mapper;
    private final DeadLetters deadLetters;

    public SftpFiles(ObjectMapper mapper, DeadLetters deadLetters) {
        this.mapper = mapper;
        this.deadLetters = deadLetters;
    }

    /** One data row of a file, numbered from 1, as JSON. */
    public record FileRow(int number, String json) {
    }

    /** Checks the file and turns the body into its list of {@link FileRow}s (empty when the file is refused). */
    public void begin(Exchange exchange) {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
        String nameOnly = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, name, String.class);
        String source = exchange.getProperty(PROP_SOURCE, "sftp", String.class);
        FileReport report = new FileReport(nameOnly);
        exchange.setProperty(PROP_REPORT, report);
        exchange.setProperty(PROP_FOLDER, "done");
        exchange.setProperty(PROP_FILE_NAME, name);
        exchange.setProperty(PROP_RESULT_NAME, safeResultName(nameOnly));
        exchange.getMessage().setHeader(FILE, nameOnly);
        exchange.getMessage().setHeader(HubHeaders.SOURCE, source);
        List<FileRow> rows = List.of();
        try {
            rows = rows(exchange, name, nameOnly);
            report.total(rows.size());
            if (rows.size() >= 1000) {
                log.info("{}: file {} has {} rows", source, nameOnly, rows.size());
            }
        } catch (RejectedMessageException e) {
            report.refuse(e.reason());
            exchange.setProperty(PROP_FOLDER, "error");
            deadLetters.record(source, exchange.getFromRouteId(), e.category(), "file " + nameOnly + " refused: " + e.reason(),
                    e.category() == ErrorCategory.TOO_LARGE ? null : preview(exchange), fileHeaders(exchange));
        }
        exchange.getMessage().setBody(rows);
    }

    private List<FileRow> rows(Exchange exchange, String name, String nameOnly) {
        String refusal = FileNames.refusal(name);
        if (refusal == null) {
            refusal = FileNames.refusal(nameOnly);
        }
        if (refusal != null) {
            throw new RejectedMessageException(ErrorCategory.INVALID, refusal);
        }
        long max = exchange.getProperty(PROP_MAX_BYTES, 10_485_760L, Long.class);
        Long length = exchange.getMessage().getHeader(Exchange.FILE_LENGTH, Long.class);
        Object file = exchange.getProperty(org.apache.camel.component.file.FileComponent.FILE_EXCHANGE_FILE);
        if (file instanceof org.apache.camel.component.file.GenericFile<?> g && g.getFileLength() > 0) {
            length = g.getFileLength();
        }
        if (length != null && length > max) {
            throw new RejectedMessageException(ErrorCategory.TOO_LARGE,
                    "file of " + length + " bytes is over the limit of " + max + " bytes");
        }
        byte[] bytes = bytes(exchange, max);
        String text = WebhookGuard.decodeUtf8(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "file is empty");
        }
        String fileId = nameOnly + "@" + exchange.getMessage().getHeader(Exchange.FILE_LAST_MODIFIED, 0L, Long.class);
        List<FileRow> rows = nameOnly.toLowerCase(Locale.ROOT).endsWith(".json")
                ? jsonRows(text, nameOnly, fileId)
                : csvRows(exchange, text, nameOnly, fileId);
        if (rows.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "file has no data rows");
        }
        return rows;
    }

    private static byte[] bytes(Exchange exchange, long max) {
        try (InputStream in = exchange.getMessage().getBody(InputStream.class)) {
            if (in == null) {
                return new byte[0];
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, max + 1));
            if (bytes.length > max) {
                // count the rest without keeping it, to say how large the file is
                long size = bytes.length + in.transferTo(java.io.OutputStream.nullOutputStream());
                throw new RejectedMessageException(ErrorCategory.TOO_LARGE, "file of " + size + " bytes is over the limit of " + max + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException("could not read the file: " + e.getMessage(), e);
        }
    }

    private List<FileRow> csvRows(Exchange exchange, String text, String nameOnly, String fileId) {
        List<String> expected = Arrays.stream(exchange.getProperty(PROP_COLUMNS, "", String.class).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(s -> s.toLowerCase(Locale.ROOT)).toList();
        List<FileRow> rows = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).setTrim(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(text), format)) {
            List<String> header = null;
            int number = 0;
            for (CSVRecord record : parser) {
                if (header == null) {
                    List<String> names = record.toList().stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
                    header = names;
                    List<String> missing = expected.stream().filter(c -> !names.contains(c)).toList();
                    if (!missing.isEmpty()) {
                        throw new RejectedMessageException(ErrorCategory.INVALID, "header: missing column " + String.join(", ", missing)
                                + "; expected " + String.join(",", expected) + " but was " + String.join(",", header));
                    }
                    continue;
                }
                number++;
                if (record.size() != header.size()) {
                    rejectAtParse(exchange, nameOnly, number, String.join(",", record.toList()),
                            "row has " + record.size() + " fields, the header has " + header.size());
                    continue;
                }
                ObjectNode row = mapper.createObjectNode();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), record.get(i));
                }
                rows.add(new FileRow(number, withFileFields(row, nameOnly, fileId, number)));
            }
        } catch (IOException | java.io.UncheckedIOException | IllegalStateException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "not a readable CSV file: " + e.getMessage());
        }
        return rows;
    }

    private List<FileRow> jsonRows(String text, String nameOnly, String fileId) {
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (tree.isObject() && tree.has("rows")) {
            tree = tree.get("rows");
        }
        if (!tree.isArray()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "a JSON file must hold an array of rows (or {\"rows\": [...]})");
        }
        List<FileRow> rows = new ArrayList<>();
        int number = 0;
        for (JsonNode element : tree) {
            number++;
            ObjectNode row = element.isObject() ? ((ObjectNode) element).deepCopy() : mapper.createObjectNode().set("value", element);
            rows.add(new FileRow(number, withFileFields(row, nameOnly, fileId, number)));
        }
        return rows;
    }

    private String withFileFields(ObjectNode row, String nameOnly, String fileId, int number) {
        row.put("_file", nameOnly);
        row.put("_fileId", fileId);
        row.put("_row", number);
        return row.toString();
    }

    private void rejectAtParse(Exchange exchange, String nameOnly, int number, String raw, String reason) {
        FileReport report = exchange.getProperty(PROP_REPORT, FileReport.class);
        report.row(number, reason);
        Map<String, Object> headers = fileHeaders(exchange);
        headers.put(ROW, number);
        deadLetters.record(exchange.getProperty(PROP_SOURCE, "sftp", String.class), exchange.getFromRouteId(),
                ErrorCategory.INVALID, nameOnly + " row " + number + ": " + reason, raw, headers);
    }

    /** Before a row enters the flow: its JSON as the body, its number as a header. */
    public void rowIn(Exchange exchange) {
        FileRow row = exchange.getMessage().getBody(FileRow.class);
        exchange.setProperty(PROP_ROW_JSON, row.json());
        exchange.getMessage().setHeader(ROW, row.number());
        exchange.getMessage().removeHeader(HubHeaders.ERROR_REASON);
        exchange.getMessage().removeHeader(HubHeaders.ERROR_CATEGORY);
        exchange.getMessage().removeHeader(Exchange.HTTP_RESPONSE_CODE);
        exchange.getMessage().setBody(row.json());
    }

    /**
     * After the flow returned: accepted, unless the flow's error handler recorded a dead letter (its reason is in
     * {@link HubHeaders#ERROR_REASON}).
     */
    public void rowDone(Exchange exchange) {
        int row = exchange.getMessage().getHeader(ROW, Integer.class);
        String reason = exchange.getMessage().getHeader(HubHeaders.ERROR_REASON, String.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (reason == null && status != null && status >= 400) {
            reason = "rejected with status " + status + ": " + exchange.getMessage().getBody(String.class);
            recordDeadLetter(exchange, ErrorCategory.INVALID, reason);
        }
        noteRow(exchange, row, reason);
    }

    /** The flow threw (it has no error handler of its own): the row is a dead letter and the file goes on. */
    public void rowFailed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int row = exchange.getMessage().getHeader(ROW, Integer.class);
        String reason = reasonOf(e);
        recordDeadLetter(exchange, HttpProblems.categorize(e), reason);
        noteRow(exchange, row, reason);
    }

    private void recordDeadLetter(Exchange exchange, ErrorCategory category, String reason) {
        Map<String, Object> headers = fileHeaders(exchange);
        headers.put(ROW, exchange.getMessage().getHeader(ROW));
        deadLetters.record(exchange.getProperty(PROP_SOURCE, "sftp", String.class), exchange.getFromRouteId(), category,
                reason, exchange.getProperty(PROP_ROW_JSON, String.class), headers);
    }

    private void noteRow(Exchange exchange, int row, String reason) {
        FileReport report = exchange.getProperty(PROP_REPORT, FileReport.class);
        report.row(row, reason);
        int done = report.done();
        int total = report.total();
        if (total >= 1000 && (done % Math.max(1000, total / 10) == 0)) {
            log.info("{}: file {}: {} of {} rows done ({} accepted, {} rejected)", exchange.getProperty(PROP_SOURCE),
                    report.fileName(), done, total, report.accepted(), report.rejected());
        }
    }

    /** After every row: the result file's content as the body; the file's own name header is kept for the move. */
    public void finish(Exchange exchange) {
        FileReport report = exchange.getProperty(PROP_REPORT, FileReport.class);
        exchange.getMessage().setHeader(Exchange.FILE_NAME, exchange.getProperty(PROP_FILE_NAME));
        exchange.getMessage().setBody(report.csv());
        if (report.refused()) {
            log.warn("{}: file {} refused: {}", exchange.getProperty(PROP_SOURCE), report.fileName(), report.refusal());
        } else {
            log.info("{}: file {} processed: {} rows, {} accepted, {} rejected", exchange.getProperty(PROP_SOURCE),
                    report.fileName(), report.total(), report.accepted(), report.rejected());
        }
    }

    private static String safeResultName(String nameOnly) {
        String base = nameOnly == null ? "unnamed" : nameOnly.replaceAll("[^A-Za-z0-9._ -]", "_").replaceAll("^[.]+", "_");
        return base + ".result.csv";
    }

    private static String reasonOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RejectedMessageException r) {
                return r.reason();
            }
        }
        return e == null ? "unknown error" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String preview(Exchange exchange) {
        try {
            String body = exchange.getMessage().getBody(String.class);
            return body == null ? null : body.substring(0, Math.min(body.length(), 65_536));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Map<String, Object> fileHeaders(Exchange exchange) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put(FILE, exchange.getMessage().getHeader(FILE));
        headers.put("CamelFileLength", exchange.getMessage().getHeader(Exchange.FILE_LENGTH));
        return headers;
    }
}
