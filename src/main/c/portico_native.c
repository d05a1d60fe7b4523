/*
 * Native process helpers for dev.portico.cli.NativeProcess.
 *
 * HotSpot keeps SIGQUIT for thread dumps and sun.misc.Signal refuses it, yet nginx
 * deployments send QUIT for a graceful shutdown. These handlers replace the JVM's for the
 * signals asked for; each writes its signal number as one byte into a self-pipe (write(2)
 * is async-signal-safe) and a Java thread blocks reading the other end.
 */
#define _GNU_SOURCE
#include <jni.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int signal_pipe[2] = { -1, -1 };

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char) signo;
    /* Non-blocking: if the pipe is full, signals are already pending anyway. */
    ssize_t n = write(signal_pipe[1], &b, 1);
    (void) n;
    errno = saved;
}

/* Returns 0, or errno. Creates the pipe once; later calls only add handlers. */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeInstall(JNIEnv *env, jclass cls, jintArray signals)
{
    (void) cls;
    if (signal_pipe[0] < 0) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) {
            return errno;
        }
        if (fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0) {
            int err = errno;
            close(fds[0]);
            close(fds[1]);
            return err;
        }
        signal_pipe[0] = fds[0];
        signal_pipe[1] = fds[1];
    }

    jsize count = (*env)->GetArrayLength(env, signals);
    jint *nums = (*env)->GetIntArrayElements(env, signals, NULL);
    if (nums == NULL) {
        return ENOMEM;
    }
    int result = 0;
    for (jsize i = 0; i < count; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(nums[i], &sa, NULL) != 0) {
            result = errno;
            break;
        }
    }
    (*env)->ReleaseIntArrayElements(env, signals, nums, JNI_ABORT);
    return result;
}

/* Blocks until a handled signal arrives; returns its number, or -errno. */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeAwaitSignal(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    if (signal_pipe[0] < 0) {
        return -EBADF;
    }
    for (;;) {
        unsigned char b;
        ssize_t n = read(signal_pipe[0], &b, 1);
        if (n == 1) {
            return b;
        }
        if (n == 0) {
            return -EPIPE;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

/* The number of a signal named as kill(1) does ("HUP", "QUIT", ...), or -1. */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeSignalNumber(JNIEnv *env, jclass cls, jstring name)
{
    (void) cls;
    static const struct { const char *name; int number; } known[] = {
        { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
        { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "WINCH", SIGWINCH },
        { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "ALRM", SIGALRM },
        { "PIPE", SIGPIPE },
    };
    const char *s = (*env)->GetStringUTFChars(env, name, NULL);
    if (s == NULL) {
        return -1;
    }
    int number = -1;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i].name, s) == 0) {
            number = known[i].number;
            break;
        }
    }
    (*env)->ReleaseStringUTFChars(env, name, s);
    return number;
}

/* 0, or errno. */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeKill(JNIEnv *env, jclass cls, jlong pid, jint signo)
{
    (void) env;
    (void) cls;
    return kill((pid_t) pid, signo) == 0 ? 0 : errno;
}

JNIEXPORT jlong JNICALL
Java_dev_portico_cli_NativeProcess_nativeGetpid(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    return (jlong) getpid();
}

/* The new session id, or -errno. */
JNIEXPORT jlong JNICALL
Java_dev_portico_cli_NativeProcess_nativeSetsid(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    pid_t sid = setsid();
    return sid < 0 ? -(jlong) errno : (jlong) sid;
}

JNIEXPORT jstring JNICALL
Java_dev_portico_cli_NativeProcess_nativeStrerror(JNIEnv *env, jclass cls, jint err)
{
    (void) cls;
    char buf[256];
    /* GNU strerror_r may return a static string instead of filling buf. */
    const char *text = strerror_r(err, buf, sizeof(buf));
    return (*env)->NewStringUTF(env, text);
}

/*
 * uid and gid of a user as {uid, gid}, or {-1, errno-or-0} when there is no such user
 * (errno 0 means the lookup worked and found nothing).
 */
JNIEXPORT jlongArray JNICALL
Java_dev_portico_cli_NativeProcess_nativeLookupUser(JNIEnv *env, jclass cls, jstring name)
{
    (void) cls;
    jlong out[2] = { -1, 0 };
    const char *s = (*env)->GetStringUTFChars(env, name, NULL);
    if (s == NULL) {
        return NULL;
    }
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    if (size <= 0) {
        size = 16384;
    }
    char *buf = malloc((size_t) size);
    if (buf == NULL) {
        out[1] = ENOMEM;
    } else {
        struct passwd pw, *found = NULL;
        int rc = getpwnam_r(s, &pw, buf, (size_t) size, &found);
        if (rc == 0 && found != NULL) {
            out[0] = (jlong) found->pw_uid;
            out[1] = (jlong) found->pw_gid;
        } else {
            out[1] = rc;
        }
        free(buf);
    }
    (*env)->ReleaseStringUTFChars(env, name, s);
    jlongArray result = (*env)->NewLongArray(env, 2);
    if (result != NULL) {
        (*env)->SetLongArrayRegion(env, result, 0, 2, out);
    }
    return result;
}

/* gid of a group, or -1 - errno when there is none (-1 alone: not found). */
JNIEXPORT jlong JNICALL
Java_dev_portico_cli_NativeProcess_nativeLookupGroup(JNIEnv *env, jclass cls, jstring name)
{
    (void) cls;
    const char *s = (*env)->GetStringUTFChars(env, name, NULL);
    if (s == NULL) {
        return -1;
    }
    long size = sysconf(_SC_GETGR_R_SIZE_MAX);
    if (size <= 0) {
        size = 16384;
    }
    jlong gid = -1 - ENOMEM;
    char *buf = malloc((size_t) size);
    if (buf != NULL) {
        struct group gr, *found = NULL;
        int rc = getgrnam_r(s, &gr, buf, (size_t) size, &found);
        gid = (rc == 0 && found != NULL) ? (jlong) found->gr_gid : -1 - (jlong) rc;
        free(buf);
    }
    (*env)->ReleaseStringUTFChars(env, name, s);
    return gid;
}

/*
 * Drops privileges as nginx's worker does: setgid, initgroups, then setuid (glibc applies
 * each to every thread). Returns 0, or 1000*step + errno so the caller can name the call
 * that failed (step 1 setgid, 2 initgroups, 3 setuid).
 */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeSetUser(JNIEnv *env, jclass cls,
                                                jstring user, jlong uid, jlong gid)
{
    (void) cls;
    if (setgid((gid_t) gid) != 0) {
        return 1000 + errno;
    }
    const char *s = (*env)->GetStringUTFChars(env, user, NULL);
    if (s == NULL) {
        return 2000 + ENOMEM;
    }
    int rc = initgroups(s, (gid_t) gid);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, user, s);
    if (rc != 0) {
        return 2000 + err;
    }
    if (setuid((uid_t) uid) != 0) {
        return 3000 + errno;
    }
    return 0;
}

/*
 * Points fds 0, 1 and 2 at /dev/null, as nginx's daemon does once started, so that the
 * JVM's own writes (warnings, crash notes) go nowhere rather than into a dead terminal.
 * Returns 0, or errno.
 */
JNIEXPORT jint JNICALL
Java_dev_portico_cli_NativeProcess_nativeDetachStdio(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    for (int target = 0; target <= 2; target++) {
        if (dup2(fd, target) < 0) {
            int err = errno;
            if (fd > 2) {
                close(fd);
            }
            return err;
        }
    }
    if (fd > 2) {
        close(fd);
    }
    return 0;
}
