// What Metabase's sync and scan do, with the PostgreSQL JDBC driver Metabase ships:
// list the schemas and relations the BI role can see, read every column's type and comment,
// run SELECT ... LIMIT 10000 on each view of dexcost_bi reading every value, and
// SELECT col, count(*) ... GROUP BY col LIMIT 1000 on each text column.
// Fails (exit 1) on any error, on a column type outside plain scalars, and on a view or a
// column without a comment. Usage: java -cp postgresql.jar BiSync.java <jdbc-url> <user>
import java.sql.*;
import java.util.*;

public class BiSync {
    static final Set<String> PLAIN = Set.of("text", "varchar", "numeric", "int8", "int4", "int2", "float8", "float4",
                                            "bool", "date", "timestamptz", "timestamp");

    public static void main(String[] args) throws Exception {
        List<String> problems = new ArrayList<>();
        int views = 0, columns = 0, rows = 0, groupings = 0;
        try (Connection c = DriverManager.getConnection(args[0], args[1], "")) {
            DatabaseMetaData md = c.getMetaData();
            Set<String> schemas = new TreeSet<>();
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
            }
            if (!schemas.contains("dexcost_bi")) problems.add("schema dexcost_bi is not listed");
            List<String> names = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, "dexcost_bi", "%", new String[] {"VIEW", "TABLE"})) {
                while (rs.next()) {
                    names.add(rs.getString("TABLE_NAME"));
                    String remarks = rs.getString("REMARKS");
                    if (remarks == null || remarks.isBlank()) problems.add("view " + rs.getString("TABLE_NAME") + " has no comment");
                }
            }
            if (names.isEmpty()) problems.add("the BI role sees no view in dexcost_bi");
            for (String v : names) {
                views++;
                List<String> textColumns = new ArrayList<>();
                try (ResultSet rs = md.getColumns(null, "dexcost_bi", v, "%")) {
                    while (rs.next()) {
                        columns++;
                        String col = rs.getString("COLUMN_NAME"), type = rs.getString("TYPE_NAME");
                        String remarks = rs.getString("REMARKS");
                        if (remarks == null || remarks.isBlank()) problems.add(v + "." + col + " has no comment");
                        if (!PLAIN.contains(type)) problems.add(v + "." + col + " has type " + type + ", not a plain scalar");
                        if (type.equals("text") || type.equals("varchar")) textColumns.add(col);
                    }
                }
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT * FROM dexcost_bi.\"" + v + "\" LIMIT 10000")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        rows++;
                        for (int i = 1; i <= n; i++) rs.getObject(i);
                    }
                } catch (SQLException e) {
                    problems.add(v + ": " + e.getMessage());
                }
                for (String col : textColumns) {
                    try (Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT \"" + col + "\", count(*) FROM dexcost_bi.\"" + v
                                                        + "\" GROUP BY \"" + col + "\" LIMIT 1000")) {
                        while (rs.next()) { rs.getString(1); rs.getLong(2); }
                        groupings++;
                    } catch (SQLException e) {
                        problems.add(v + "." + col + " GROUP BY: " + e.getMessage());
                    }
                }
            }
        }
        System.out.printf("BI sync: %d views, %d columns, %d rows read, %d text columns grouped%n", views, columns, rows, groupings);
        for (String p : problems) System.out.println("PROBLEM: " + p);
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
