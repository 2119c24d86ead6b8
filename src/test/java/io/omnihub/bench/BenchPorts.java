package io.omnihub.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Prints {@code n} distinct free TCP ports on loopback, space-separated, for bench/run.sh. */
public final class BenchPorts {

    private BenchPorts() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        List<ServerSocket> open = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                open.add(s);
                out.append(i == 0 ? "" : " ").append(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        System.out.println(out);
    }
}
