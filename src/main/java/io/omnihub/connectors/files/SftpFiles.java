package io.omnihub.connectors.files;

import io.omnihub.canonical.Utf8;
import io.omnihub.connectors.mapping.CompiledMappings;
import io.omnihub.connectors.webhook.WebhookGuard;
import io.omnihub.web.HttpProblems;
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
import org.springframework.beans.factory.annotation.Qualifier;
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
 * The work of the {@code sftp-file-source} connector. {@link #begin} checks the file as a whole (name, size, encoding,
 * header, not empty) and splits it into rows, each a map of its columns plus {@code _file}, {@code _fileId} and
 * {@code _row}, grouped in {@link FileChunk}s of consecutive rows; {@link #chunkIn} maps a chunk's rows with the
 * flow's mapping, compiled once per version of the mapping file ({@link CompiledMappings}); the connector hands the
 * chunk to its flow, which applies it in one transaction; {@link #chunkDone} and {@link #chunkFailed} note what became
 * of each row (a rejected row is a dead letter); {@link #finish} writes the result file. A bad row never stops the
 * good rows of the same file, and the result file says, row by row, what became of each.
 */
@Component("sftpFiles")
public class SftpFiles {

    /** Exchange properties the connector sets for this bean. */
    public static final String PROP_SOURCE = "omnihub.file.source";
    public static final String PROP_COLUMNS = "omnihub.file.columns";
    public static final String PROP_MAX_BYTES = "omnihub.file.maxBytes";
    public static final String PROP_MAPPING = "omnihub.file.mapping";
    public static final String PROP_CHUNK_SIZE = "omnihub.file.chunkSize";
    public static final String PROP_REPORT = "omnihubFileReport";
    /** done or error: where the consumer moves the file once processed (used in the connector's move option). */
    public static final String PROP_FOLDER = "omnihubFileFolder";
    public static final String PROP_FILE_NAME = "omnihubFileName";
    public static final String PROP_RESULT_NAME = "omnihubResultFileName";
    private static final String PROP_CHUNK = "omnihub.file.chunk";
    private static final String PROP_AHEAD = "omnihub.file.mappingAhead";
    /** How many chunks past the one being applied are mapped ahead of it. */
    private static final int AHEAD = 2;
    private static final String PROP_CLAIM = "omnihub.file.claim";
    private static final String PROP_CLAIM_RENEWED = "omnihub.file.claimRenewed";
    /** Header on each chunk: the number of its first row in the file (1 = first data row). */
    public static final String ROW = "OmnihubFileRow";
    public static final String FILE = "OmnihubFile";
    /** How often a file being read renews its claim, so that no other instance takes it over while it is read. */
    private static final long RENEW_CLAIM_MS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(SftpFiles.class);

    private final ObjectMapper mapper;
    private final DeadLetters deadLetters;
    private final CompiledMappings mappings;
    private final PostgresIdempotentRepository claims;
    /** Maps chunks ahead of the flow (daemon threads; once stopped, a file's flow maps what is left itself). */
    private final java.util.concurrent.ExecutorService mappingThreads = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "omnihub-file-mapping");
        t.setDaemon(true);
        return t;
    });

    public SftpFiles(ObjectMapper mapper, DeadLetters deadLetters, CompiledMappings mappings,
                     @Qualifier("sftpProcessedFiles") PostgresIdempotentRepository claims) {
        this.mapper = mapper;
        this.deadLetters = deadLetters;
        this.mappings = mappings;
        this.claims = claims;
    }

    /** Chunks already asked for are still mapped (a few thousand rows at most); nothing new is taken. */
    @jakarta.annotation.PreDestroy
    void stopMapping() {
        mappingThreads.shutdown();
    }

    /** Checks the file and turns the body into its list of {@link FileChunk}s (empty when the file is refused). */
    public void begin(Exchange exchange) {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
        String nameOnly = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, name, String.class);
        String source = exchange.getProperty(PROP_SOURCE, "sftp", String.class);
        FileReport report = new FileReport(nameOnly);
        exchange.setProperty(PROP_REPORT, report);
        exchange.setProperty(PROP_FOLDER, "done");
        exchange.setProperty(PROP_FILE_NAME, name);
        exchange.setProperty(PROP_RESULT_NAME, safeResultName(nameOnly));
        // the key the consumer claimed the file under (its idempotentKey: name, size, modified), renewed while reading
        exchange.setProperty(PROP_CLAIM, name + "-" + exchange.getMessage().getHeader(Exchange.FILE_LENGTH)
                + "-" + exchange.getMessage().getHeader(Exchange.FILE_LAST_MODIFIED));
        exchange.setProperty(PROP_CLAIM_RENEWED, System.nanoTime());
        exchange.getMessage().setHeader(FILE, nameOnly);
        exchange.getMessage().setHeader(HubHeaders.SOURCE, source);
        List<FileChunk> chunks = new ArrayList<>();
        try {
            List<FileChunk.Row> rows = rows(exchange, name, nameOnly);
            report.total(report.done() + rows.size());
            if (rows.size() >= 1000) {
                log.info("{}: file {} has {} rows", source, nameOnly, report.total());
            }
            int size = Math.max(1, exchange.getProperty(PROP_CHUNK_SIZE, 1000, Integer.class));
            for (int from = 0; from < rows.size(); from += size) {
                chunks.add(new FileChunk(new ArrayList<>(rows.subList(from, Math.min(rows.size(), from + size)))));
            }
        } catch (RejectedMessageException e) {
            report.refuse(e.reason());
            exchange.setProperty(PROP_FOLDER, "error");
            deadLetters.record(source, exchange.getFromRouteId(), e.category(), "file " + nameOnly + " refused: " + e.reason(),
                    e.category() == ErrorCategory.TOO_LARGE ? null : preview(exchange), fileHeaders(exchange));
        }
        exchange.setProperty(PROP_AHEAD, new MappingAhead(chunks, exchange.getProperty(PROP_MAPPING, String.class)));
        exchange.getMessage().setBody(chunks);
    }

    private List<FileChunk.Row> rows(Exchange exchange, String name, String nameOnly) {
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
        String text = Utf8.decode(bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "file is empty");
        }
        String fileId = nameOnly + "@" + exchange.getMessage().getHeader(Exchange.FILE_LAST_MODIFIED, 0L, Long.class);
        List<FileChunk.Row> rows = nameOnly.toLowerCase(Locale.ROOT).endsWith(".json")
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

    private List<FileChunk.Row> csvRows(Exchange exchange, String text, String nameOnly, String fileId) {
        List<String> expected = Arrays.stream(exchange.getProperty(PROP_COLUMNS, "", String.class).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(s -> s.toLowerCase(Locale.ROOT)).toList();
        List<FileChunk.Row> rows = new ArrayList<>();
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
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), record.get(i));
                }
                rows.add(new FileChunk.Row(number, withFileFields(row, nameOnly, fileId, number)));
            }
        } catch (IOException | java.io.UncheckedIOException | IllegalStateException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "not a readable CSV file: " + e.getMessage());
        }
        return rows;
    }

    private List<FileChunk.Row> jsonRows(String text, String nameOnly, String fileId) {
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
        List<FileChunk.Row> rows = new ArrayList<>();
        int number = 0;
        for (JsonNode element : tree) {
            number++;
            // as the jsonata endpoint reads a JSON row: maps, lists, strings and numbers
            ObjectNode node = element.isObject() ? (ObjectNode) element : mapper.createObjectNode().set("value", element);
            @SuppressWarnings("unchecked")
            Map<String, Object> row = mapper.convertValue(node, LinkedHashMap.class);
            rows.add(new FileChunk.Row(number, withFileFields(row, nameOnly, fileId, number)));
        }
        return rows;
    }

    private static Map<String, Object> withFileFields(Map<String, Object> row, String nameOnly, String fileId, int number) {
        row.put("_file", nameOnly);
        row.put("_fileId", fileId);
        row.put("_row", number);
        return row;
    }

    private void rejectAtParse(Exchange exchange, String nameOnly, int number, String raw, String reason) {
        FileReport report = exchange.getProperty(PROP_REPORT, FileReport.class);
        report.row(number, reason);
        Map<String, Object> headers = fileHeaders(exchange);
        headers.put(ROW, number);
        deadLetters.record(exchange.getProperty(PROP_SOURCE, "sftp", String.class), exchange.getFromRouteId(),
                ErrorCategory.INVALID, nameOnly + " row " + number + ": " + reason, raw, headers);
    }

    /**
     * Before a chunk enters the flow: each row mapped with the flow's mapping (compiled once per version of the
     * mapping file; the next chunks are mapped ahead meanwhile, see {@link MappingAhead}); a row the mapping cannot map
     * is rejected with the reason, the others carry their canonical message. The chunk is the body and stays in an
     * exchange property, so what the flow notes on it is read back whatever the flow leaves in the body.
     */
    public void chunkIn(Exchange exchange) {
        FileChunk chunk = exchange.getMessage().getBody(FileChunk.class);
        exchange.setProperty(PROP_CHUNK, chunk);
        exchange.getMessage().setHeader(ROW, chunk.first());
        exchange.getMessage().removeHeader(HubHeaders.ERROR_REASON);
        exchange.getMessage().removeHeader(HubHeaders.ERROR_CATEGORY);
        exchange.getMessage().removeHeader(Exchange.HTTP_RESPONSE_CODE);
        MappingAhead ahead = exchange.getProperty(PROP_AHEAD, MappingAhead.class);
        if (ahead == null) {
            map(chunk, exchange.getProperty(PROP_MAPPING, String.class));
        } else {
            ahead.await(chunk);
        }
        exchange.getMessage().setBody(chunk);
    }

    /**
     * Each row of {@code chunk} not mapped yet, mapped with the mapping at {@code location} (compiled once per version of
     * the file); a row the mapping cannot map is rejected with the reason.
     */
    private void map(FileChunk chunk, String location) {
        CompiledMappings.Compiled mapping = location == null || location.isBlank() ? null : mappings.get(location);
        for (FileChunk.Row row : chunk.rows()) {
            if (row.rejected() || row.message() != null) {
                continue;
            }
            if (mapping == null) {
                row.message(mapper.valueToTree(row.fields()));
                continue;
            }
            try {
                Object mapped = mapping.evaluate(row.fields());
                if (mapped == null) {
                    chunk.reject(row, ErrorCategory.INVALID, "the mapping made nothing of this row");
                } else {
                    row.message(mapper.valueToTree(mapped));
                }
            } catch (RuntimeException e) {
                // the mapping fails on this row's content: the row is refused, the others go on
                chunk.reject(row, ErrorCategory.INVALID, reasonOf(e));
            }
        }
    }

    /**
     * The chunks of one file mapped a few ahead of the one its flow is applying, on the connector's mapping threads: the
     * next chunk's rows are mapped while the flow waits for its database with this one (the mapping is a third of the
     * file thread's CPU). The flow still takes the chunks one after the other, in file order.
     */
    private final class MappingAhead {
        private final List<FileChunk> chunks;
        private final String location;
        private final Map<FileChunk, java.util.concurrent.Future<?>> mapped = new java.util.IdentityHashMap<>();

        MappingAhead(List<FileChunk> chunks, String location) {
            this.chunks = chunks;
            this.location = location;
        }

        /** Returns once {@code chunk} is mapped, having asked for the next ones to be mapped meanwhile. */
        void await(FileChunk chunk) {
            int index = chunks.indexOf(chunk);
            for (int i = Math.max(index, 0); i < chunks.size() && i <= index + AHEAD; i++) {
                FileChunk next = chunks.get(i);
                if (!mapped.containsKey(next)) {
                    try {
                        mapped.put(next, mappingThreads.submit(() -> map(next, location)));
                    } catch (java.util.concurrent.RejectedExecutionException stopping) {
                        // the hub is stopping: what is left is mapped here
                        break;
                    }
                }
            }
            java.util.concurrent.Future<?> done = mapped.remove(chunk);
            if (done == null) {
                map(chunk, location);
                return;
            }
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the chunk was mapped", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * After the flow returned: every row it did not reject is accepted. When the flow's own error handler recorded a
     * dead letter and answered with a reason ({@link HubHeaders#ERROR_REASON}) or an error status, the rows it had not
     * rejected take that reason.
     */
    public void chunkDone(Exchange exchange) {
        FileChunk chunk = exchange.getProperty(PROP_CHUNK, FileChunk.class);
        String reason = exchange.getMessage().getHeader(HubHeaders.ERROR_REASON, String.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        boolean deadLettered = reason != null;
        if (reason == null && status != null && status >= 400) {
            reason = "rejected with status " + status + ": " + exchange.getMessage().getBody(String.class);
        }
        if (reason != null) {
            for (FileChunk.Row row : chunk.rows()) {
                if (!row.rejected()) {
                    chunk.reject(row, ErrorCategory.INVALID, reason);
                    if (deadLettered) {
                        noteRow(exchange, row.number(), row.reason());
                    }
                }
            }
        }
        noteChunk(exchange, chunk);
    }

    /** The flow threw (after its retries): the rows it had not rejected take the error as their reason. */
    public void chunkFailed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        FileChunk chunk = exchange.getProperty(PROP_CHUNK, FileChunk.class);
        if (chunk == null) {
            // the chunk could not even be mapped (its mapping file is unreadable): every row of it is rejected
            chunk = exchange.getMessage().getBody(FileChunk.class);
        }
        String reason = reasonOf(e);
        ErrorCategory category = HttpProblems.categorize(e);
        for (FileChunk.Row row : chunk.rows()) {
            chunk.reject(row, category, reason);
        }
        noteChunk(exchange, chunk);
    }

    /** Each rejected row of the chunk becomes a dead letter; every row goes into the report; the file's claim is renewed. */
    private void noteChunk(Exchange exchange, FileChunk chunk) {
        FileReport report = exchange.getProperty(PROP_REPORT, FileReport.class);
        for (FileChunk.Row row : chunk.rows()) {
            if (row.rejected() && !report.has(row.number())) {
                recordDeadLetter(exchange, row);
            }
            report.row(row.number(), row.reason());
        }
        renewClaim(exchange);
        int done = report.done();
        int total = report.total();
        if (total >= 1000 && done / Math.max(1000, total / 10) != (done - chunk.size()) / Math.max(1000, total / 10)) {
            log.info("{}: file {}: {} of {} rows done ({} accepted, {} rejected)", exchange.getProperty(PROP_SOURCE),
                    report.fileName(), done, total, report.accepted(), report.rejected());
        }
    }

    private void recordDeadLetter(Exchange exchange, FileChunk.Row row) {
        Map<String, Object> headers = fileHeaders(exchange);
        headers.put(ROW, row.number());
        String payload;
        try {
            payload = mapper.writeValueAsString(row.fields());
        } catch (JsonProcessingException e) {
            payload = String.valueOf(row.fields());
        }
        deadLetters.record(exchange.getProperty(PROP_SOURCE, "sftp", String.class), exchange.getFromRouteId(), row.category(),
                row.reason(), payload, headers);
    }

    private void noteRow(Exchange exchange, int row, String reason) {
        exchange.getProperty(PROP_REPORT, FileReport.class).row(row, reason);
    }

    /**
     * Keeps this instance's claim of the file fresh while it reads it, so that the claim's lease only has to outlast a
     * pause, not a whole file: another instance takes the file over only when this one stopped reading it.
     */
    private void renewClaim(Exchange exchange) {
        Long renewed = exchange.getProperty(PROP_CLAIM_RENEWED, Long.class);
        if (renewed != null && System.nanoTime() - renewed < RENEW_CLAIM_MS * 1_000_000) {
            return;
        }
        exchange.setProperty(PROP_CLAIM_RENEWED, System.nanoTime());
        try {
            if (!claims.renew(exchange.getProperty(PROP_CLAIM, String.class))) {
                log.info("{}: no open claim {} to renew for file {}", exchange.getProperty(PROP_SOURCE),
                        exchange.getProperty(PROP_CLAIM), exchange.getMessage().getHeader(FILE));
            }
        } catch (RuntimeException e) {
            log.warn("{}: the claim of file {} could not be renewed: {}", exchange.getProperty(PROP_SOURCE),
                    exchange.getMessage().getHeader(FILE), e.toString());
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
