package io.omnihub.connectors.files;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run of consecutive rows of one partner file (a thousand or so), handed by the {@code sftp-file-source} connector to
 * its flow in one exchange. Each row carries its number in the file, its columns as read, and the canonical message
 * the flow's mapping made of it; the flow applies the chunk's rows together (one transaction) and marks the ones it
 * refuses with {@link #reject}. A row not rejected when the flow returns is accepted. Rows stay in file order.
 */
public final class FileChunk {

    /** One row: its number (1 = the first data row), its columns, its mapped message, and why it was rejected (if so). */
    public static final class Row {
        private final int number;
        private final Map<String, Object> fields;
        private JsonNode message;
        private String reason;
        private ErrorCategory category;

        Row(int number, Map<String, Object> fields) {
            this.number = number;
            this.fields = fields;
        }

        public int number() {
            return number;
        }

        /** The row's columns plus {@code _file}, {@code _fileId} and {@code _row}, as the mapping receives them. */
        public Map<String, Object> fields() {
            return fields;
        }

        /** The canonical message the mapping made of the row (null until mapped, or when the mapping failed). */
        public JsonNode message() {
            return message;
        }

        void message(JsonNode message) {
            this.message = message;
        }

        /** The message, or each message of an array the mapping made of the row. */
        public List<JsonNode> messages() {
            List<JsonNode> list = new ArrayList<>();
            if (message == null) {
                return list;
            }
            if (message.isArray()) {
                message.forEach(list::add);
            } else {
                list.add(message);
            }
            return list;
        }

        public String reason() {
            return reason;
        }

        public ErrorCategory category() {
            return category;
        }

        public boolean rejected() {
            return reason != null;
        }
    }

    private final List<Row> rows;

    FileChunk(List<Row> rows) {
        this.rows = rows;
    }

    /** Every row of the chunk, in file order. */
    public List<Row> rows() {
        return rows;
    }

    /** The rows still to be applied: mapped and not rejected, in file order. */
    public List<Row> pending() {
        List<Row> pending = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (!r.rejected() && r.message != null) {
                pending.add(r);
            }
        }
        return pending;
    }

    /**
     * Rejects each pending row whose mapped message is not a JSON object or a non-empty array of objects, or does not
     * match the schema {@code schema}, with the reason the validator gives; the flow then applies the others.
     */
    public void validate(SchemaValidator schemas, String schema) {
        for (Row row : pending()) {
            if (!row.message().isObject() && !(row.message().isArray() && !row.message().isEmpty())) {
                reject(row, ErrorCategory.INVALID, "expected a JSON object or a non-empty array of objects");
                continue;
            }
            try {
                for (JsonNode m : row.messages()) {
                    if (!m.isObject()) {
                        throw new RejectedMessageException(ErrorCategory.INVALID, "every message must be a JSON object");
                    }
                    schemas.requireValid(schema, m);
                }
            } catch (RejectedMessageException e) {
                reject(row, e.category(), e.reason());
            }
        }
    }

    /** Marks {@code row} rejected; the first reason given stays (a retried flow names the same one again). */
    public void reject(Row row, ErrorCategory category, String reason) {
        if (row.reason == null) {
            row.reason = reason == null ? "rejected" : reason;
            row.category = category == null ? ErrorCategory.INVALID : category;
        }
    }

    public int size() {
        return rows.size();
    }

    public int first() {
        return rows.isEmpty() ? 0 : rows.get(0).number;
    }

    public int last() {
        return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).number;
    }
}
