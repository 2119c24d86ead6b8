package io.omnihub.connectors.files;

import java.util.regex.Pattern;

/**
 * The file names the hub accepts from partners: a plain name in the folder it was dropped in. A name with a path
 * ({@code ../}, {@code /}, {@code \}), a control character or a leading dot is refused, so neither the file nor
 * the result file written back beside it can reach outside that folder.
 */
public final class FileNames {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,199}");

    private FileNames() {
    }

    /** Null when {@code name} is acceptable, else the reason it is refused. */
    public static String refusal(String name) {
        if (name == null || name.isEmpty()) {
            return "file name is empty";
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            return "file name " + printable(name) + " is an absolute path";
        }
        if (name.contains("/") || name.contains("\\")) {
            return "file name " + printable(name) + " contains a path (../ or a folder)";
        }
        if (name.equals("..") || name.equals(".")) {
            return "file name " + printable(name) + " is not a file";
        }
        if (!SAFE.matcher(name).matches()) {
            return "file name " + printable(name) + " has characters other than letters, digits, '.', '_', '-' and space";
        }
        return null;
    }

    private static String printable(String name) {
        StringBuilder b = new StringBuilder("'");
        name.codePoints().limit(200).forEach(c -> b.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
        return b.append("'").toString();
    }
}
