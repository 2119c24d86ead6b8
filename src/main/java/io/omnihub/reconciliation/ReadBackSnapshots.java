package io.omnihub.reconciliation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Header;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-back of channels that cannot be asked for a page, only for everything at once: a storefront's stock export
 * (a CSV file over HTTP), a feed partner's stock file on an SFTP server, or the compacted Kafka topic a POS publishes
 * its figures on. The channel's read-back route
 * takes the whole snapshot when a run asks for its first page ({@link #takeCsv}, {@link #takeTopic}) and answers
 * every page from it ({@link #page}) in the shape the reconciliation reads ({@link ChannelReadBack}): sorted by sku,
 * the cursor the last sku of the previous page. A channel's snapshot is kept until its last page is read.
 */
@Component("readBackSnapshots")
public class ReadBackSnapshots {

    private final Map<String, NavigableMap<String, Integer>> snapshots = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;
    private final String brokers;

    public ReadBackSnapshots(ObjectMapper mapper, @Value("${omnihub.kafka.brokers}") String brokers) {
        this.mapper = mapper;
        this.brokers = brokers;
    }

    /** Whether the run asks for its first page (no cursor): the moment to take a new snapshot. */
    public boolean firstPage(@Header(ReadBackHeaders.CURSOR) String cursor) {
        return cursor == null || cursor.isEmpty();
    }

    /**
     * A stock export as CSV: a header line naming the columns {@code sku} and {@code available} (others are ignored),
     * then one line per sku. A line whose figure is not a whole number fails the snapshot (and the run), naming it.
     */
    public void takeCsv(@Header(ReadBackHeaders.CHANNEL) String channel, String csv) {
        NavigableMap<String, Integer> figures = new TreeMap<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).setTrim(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(csv == null ? "" : csv), format)) {
            int sku = -1;
            int available = -1;
            for (CSVRecord record : parser) {
                if (record.getRecordNumber() == 1) {
                    List<String> columns = record.toList().stream().map(c -> c.toLowerCase(Locale.ROOT)).toList();
                    sku = columns.indexOf("sku");
                    available = columns.indexOf("available");
                    if (sku < 0 || available < 0) {
                        throw new IllegalStateException("the stock export of " + channel + " has no sku and available columns: " + columns);
                    }
                    continue;
                }
                if (record.size() <= Math.max(sku, available)) {
                    throw new IllegalStateException("line " + record.getRecordNumber() + " of the stock export of " + channel
                            + " has too few fields: " + record.toList());
                }
                try {
                    figures.put(record.get(sku), Integer.parseInt(record.get(available)));
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("line " + record.getRecordNumber() + " of the stock export of " + channel
                            + ": available is not a whole number: " + record.get(available));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        snapshots.put(channel, figures);
    }

    /** A stock file read from an SFTP server ({@link #takeCsv}); none (the poll found no file) fails the page. */
    public void takeFile(@Header(ReadBackHeaders.CHANNEL) String channel, @Header("CamelFileName") String file, String csv) {
        if (csv == null) {
            throw new IllegalStateException("the channel " + channel + " published no stock file to read");
        }
        takeCsv(channel, csv);
    }

    /**
     * The figures on a compacted Kafka topic, read from its beginning to the end offsets of the moment: key the sku,
     * value {@code {"available": n}} (or a bare number); a tombstone (null value) removes the sku.
     */
    public void takeTopic(@Header(ReadBackHeaders.CHANNEL) String channel, String topic) {
        NavigableMap<String, Integer> figures = new TreeMap<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        long deadline = System.currentTimeMillis() + 120_000;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reading " + topic + " for " + channel + " took longer than 120 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        figures.remove(r.key());
                    } else {
                        figures.put(r.key(), available(topic, r));
                    }
                }
            }
        }
        snapshots.put(channel, figures);
    }

    /** One page of the channel's snapshot after {@code cursor}, as {@code {"items": [...], "next": ...}}. */
    public String page(@Header(ReadBackHeaders.CHANNEL) String channel, @Header(ReadBackHeaders.LIMIT) int limit,
                       @Header(ReadBackHeaders.CURSOR) String cursor) {
        NavigableMap<String, Integer> figures = snapshots.get(channel);
        if (figures == null) {
            throw new IllegalStateException("no snapshot of " + channel + " was taken: the run must start at its first page");
        }
        NavigableMap<String, Integer> rest = firstPage(cursor) ? figures
                : figures.tailMap(URLDecoder.decode(cursor, StandardCharsets.UTF_8), false);
        List<Map<String, Object>> items = new ArrayList<>();
        String last = null;
        for (Map.Entry<String, Integer> e : rest.entrySet()) {
            if (items.size() == limit) {
                break;
            }
            items.add(Map.of("sku", e.getKey(), "available", e.getValue()));
            last = e.getKey();
        }
        String next = last != null && rest.higherKey(last) != null ? last : null;
        if (next == null) {
            // the run has read it all: the snapshot (a whole catalogue) is not kept until the next run
            snapshots.remove(channel, figures);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", items);
        page.put("next", next);
        try {
            return mapper.writeValueAsString(page);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private int available(String topic, ConsumerRecord<String, String> r) {
        try {
            JsonNode value = mapper.readTree(r.value());
            JsonNode figure = value.isNumber() ? value : value.path("available");
            if (figure.isNumber()) {
                return figure.asInt();
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        throw new IllegalStateException("record " + r.key() + " at " + topic + "-" + r.partition() + "@" + r.offset()
                + " holds no figure: " + r.value());
    }
}
