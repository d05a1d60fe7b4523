package dev.portico.log;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.FormattingTuple;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.MessageFormatter;

/**
 * Sends Netty's own warnings and errors to the error log, so that a leaked
 * buffer ("LEAK: ByteBuf.release() was not called ...") is reported where
 * operators and the tests look, at level alert.
 */
public final class NettyLogBridge extends InternalLoggerFactory {

    private NettyLogBridge() {
    }

    public static void install() {
        InternalLoggerFactory.setDefaultFactory(new NettyLogBridge());
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name);
    }

    private static final class Logger extends AbstractInternalLogger {
        private static final long serialVersionUID = 1L;

        Logger(String name) {
            super(name);
        }

        private static void log(LogLevel level, String message, Throwable t) {
            String text = t == null ? message : message + ": " + t;
            if (text.contains("LEAK:")) {
                level = LogLevel.ALERT;
            }
            ErrorLog.current().log(level, "netty: " + text.replace('\n', ' '));
        }

        private static void log(LogLevel level, FormattingTuple tuple) {
            log(level, tuple.getMessage(), tuple.getThrowable());
        }

        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(String msg) { }
        @Override public void trace(String format, Object arg) { }
        @Override public void trace(String format, Object argA, Object argB) { }
        @Override public void trace(String format, Object... arguments) { }
        @Override public void trace(String msg, Throwable t) { }

        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(String msg) { }
        @Override public void debug(String format, Object arg) { }
        @Override public void debug(String format, Object argA, Object argB) { }
        @Override public void debug(String format, Object... arguments) { }
        @Override public void debug(String msg, Throwable t) { }

        @Override public boolean isInfoEnabled() { return false; }
        @Override public void info(String msg) { }
        @Override public void info(String format, Object arg) { }
        @Override public void info(String format, Object argA, Object argB) { }
        @Override public void info(String format, Object... arguments) { }
        @Override public void info(String msg, Throwable t) { }

        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(String msg) { log(LogLevel.WARN, msg, null); }
        @Override public void warn(String format, Object arg) { log(LogLevel.WARN, MessageFormatter.format(format, arg)); }
        @Override public void warn(String format, Object... arguments) {
            log(LogLevel.WARN, MessageFormatter.arrayFormat(format, arguments));
        }
        @Override public void warn(String format, Object argA, Object argB) {
            log(LogLevel.WARN, MessageFormatter.format(format, argA, argB));
        }
        @Override public void warn(String msg, Throwable t) { log(LogLevel.WARN, msg, t); }

        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(String msg) { log(LogLevel.ERROR, msg, null); }
        @Override public void error(String format, Object arg) { log(LogLevel.ERROR, MessageFormatter.format(format, arg)); }
        @Override public void error(String format, Object argA, Object argB) {
            log(LogLevel.ERROR, MessageFormatter.format(format, argA, argB));
        }
        @Override public void error(String format, Object... arguments) {
            log(LogLevel.ERROR, MessageFormatter.arrayFormat(format, arguments));
        }
        @Override public void error(String msg, Throwable t) { log(LogLevel.ERROR, msg, t); }
    }
}
