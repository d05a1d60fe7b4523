package dev.portico.files;

import dev.portico.http.Template;
import java.util.List;

/**
 * The location-level settings of static file serving: root or alias,
 * try_files, etag, if_modified_since, max_ranges and the open-file tuning
 * directives (the file-related part of nginx's ngx_http_core_loc_conf_t).
 * Null means "not set here"; the merge fills defaults once.
 */
public final class FilesConf {

    /** {@code alias} in a regex location: the alias is the whole path (nginx's NGX_MAX_SIZE_T_VALUE). */
    static final int ALIAS_REGEX = Integer.MAX_VALUE;

    /** The root or alias as written (after the prefix is applied to a constant one). */
    String root;
    /** The compiled root when it has variables (and always for alias in a regex location). */
    Template rootTemplate;
    /** 0 for root; the length of the location name for alias; {@link #ALIAS_REGEX}. */
    int alias;
    /** Whether the configured text itself has "." or ".." segments (then only the URI part is checked). */
    boolean rootHasDotSegments;
    /** The prefix a relative root with variables resolves against at request time. */
    String prefix;

    /** try_files candidates; not inherited, as nginx. */
    List<TryFiles.Candidate> tryFiles;
    /** try_files' final "=code", or -1. */
    int tryFilesCode = -1;

    Boolean etag;
    ConditionalRequest.IfModifiedSince ifModifiedSince;
    Integer maxRanges;

    // open_file_cache and friends: accepted and checked, see FilesModule.
    Boolean openFileCacheSet;
    Long openFileCacheValid;
    Integer openFileCacheMinUses;
    Boolean openFileCacheErrors;
    Boolean openFileCacheEvents;
    Boolean disableSymlinksSet;
    Boolean directioSet;
    Boolean aioSet;

    static void merge(FilesConf parent, FilesConf child) {
        if (child.root == null) {
            child.alias = parent.alias;
            child.root = parent.root;
            child.rootTemplate = parent.rootTemplate;
            child.rootHasDotSegments = parent.rootHasDotSegments;
            child.prefix = parent.prefix;
            if (child.root == null) {
                // The default set here reaches every descendant through the merge.
                child.root = DEFAULT_ROOT_PENDING;
            }
        }
        child.etag = pick(child.etag, parent.etag, true);
        child.ifModifiedSince = pick(child.ifModifiedSince, parent.ifModifiedSince,
                ConditionalRequest.IfModifiedSince.EXACT);
        child.maxRanges = pick(child.maxRanges, parent.maxRanges, ByteRanges.UNLIMITED);
        child.openFileCacheValid = pick(child.openFileCacheValid, parent.openFileCacheValid, 60L);
        child.openFileCacheMinUses = pick(child.openFileCacheMinUses, parent.openFileCacheMinUses, 1);
        child.openFileCacheErrors = pick(child.openFileCacheErrors, parent.openFileCacheErrors, false);
        child.openFileCacheEvents = pick(child.openFileCacheEvents, parent.openFileCacheEvents, false);
    }

    /**
     * Marks a root that is still nginx's default "html"; FilesModule resolves it
     * against the prefix after the merge (the merger has no access to the prefix).
     */
    static final String DEFAULT_ROOT_PENDING = new String("html");

    private static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }

    /** The root (or alias) text when it is constant; null when it has variables. */
    public String root() {
        return rootTemplate == null ? root : null;
    }

    public boolean isAlias() {
        return alias != 0;
    }

    public boolean etag() {
        return etag;
    }

    public ConditionalRequest.IfModifiedSince ifModifiedSince() {
        return ifModifiedSince;
    }

    public int maxRanges() {
        return maxRanges;
    }

    public List<TryFiles.Candidate> tryFiles() {
        return tryFiles;
    }
}
