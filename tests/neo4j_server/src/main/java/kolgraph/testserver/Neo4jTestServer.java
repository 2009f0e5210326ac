package kolgraph.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * A Neo4j 5 community database with its Bolt server, for kolgraph's tests and development.
 *
 * <p>In: {@code --data-dir DIR} (created; the database lives there), {@code --page-cache-mb N}
 * (default 64), optionally {@code --conf FILE} (more settings, neo4j.conf syntax) and
 * {@code --stop-on-stdin-eof}; the password of user {@code neo4j} in the environment variable
 * {@code KOLGRAPH_NEO4J_PASSWORD} (never on the command line). Out: Bolt on a free port of
 * 127.0.0.1 and authentication on, then one line {@code kolgraph-neo4j ready bolt://127.0.0.1:PORT}
 * on stdout. It stops cleanly (the database shut down, its files consistent) on SIGTERM or
 * SIGINT and, with {@code --stop-on-stdin-eof}, when its standard input closes (so it never
 * outlives the process that started it).
 */
public final class Neo4jTestServer {

    private Neo4jTestServer() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable failure) {
            // the database's own threads would keep the JVM alive: say why and stop
            failure.printStackTrace();
            System.err.println("kolgraph-neo4j: could not start: " + failure);
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path dataDir = null;
        Path conf = null;
        long pageCacheMb = 64;
        boolean stopOnEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> dataDir = Path.of(args[++i]);
                case "--conf" -> conf = Path.of(args[++i]);
                case "--page-cache-mb" -> pageCacheMb = Long.parseLong(args[++i]);
                case "--stop-on-stdin-eof" -> stopOnEof = true;
                default -> fail("unknown argument " + args[i]);
            }
        }
        if (dataDir == null) {
            fail("--data-dir is required");
        }
        String password = System.getenv("KOLGRAPH_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            fail("KOLGRAPH_NEO4J_PASSWORD must hold a password of 8 characters or more");
        }
        Files.createDirectories(dataDir);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(dataDir);
        if (conf != null) {
            builder.loadPropertiesFromFile(conf);
        }
        builder.setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ZERO)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // a test server has no client worth waiting for when it stops
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(100))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(100));
        DatabaseManagementService dbms = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        var address = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        System.out.println("kolgraph-neo4j ready bolt://" + address.getHost() + ":" + address.getPort());
        System.out.flush();

        if (stopOnEof) {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) >= 0) {
                    // wait for the parent to close our standard input
                }
            } catch (IOException ignored) {
                // a broken pipe means the parent is gone: stop as well
            }
            System.exit(0);
        }
        Thread.currentThread().join();
    }

    private static void fail(String message) {
        System.err.println("kolgraph-neo4j: " + message);
        System.exit(2);
    }
}
