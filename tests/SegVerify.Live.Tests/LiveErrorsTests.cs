using SegVerify.Live.Capture;
using Xunit;

namespace SegVerify.Live.Tests;

public class LiveErrorsTests
{
    [Fact]
    public void A_missing_libpcap_is_recognised_inside_a_type_initializer_failure()
    {
        var ex = new TypeInitializationException("SharpPcap.LibPcap.LibPcapSafeNativeMethods",
            new DllNotFoundException("Unable to load shared library 'wpcap'"));
        Assert.True(LiveErrors.IsLibpcapMissing(ex));
        Assert.False(LiveErrors.IsLibpcapMissing(new InvalidOperationException("x")));
    }

    [Fact]
    public void The_libpcap_message_names_the_package_in_both_languages()
    {
        var ex = new DllNotFoundException("Unable to load shared library 'wpcap'");
        var en = LiveErrors.LibpcapMissing("en", ex);
        Assert.Equal(MonitorStartError.LibpcapMissing, en.Kind);
        Assert.Contains("apt-get install libpcap0.8", en.Message);
        Assert.Contains("libpcap could not be loaded", en.Message);
        var ja = LiveErrors.LibpcapMissing("ja", ex);
        Assert.Contains("apt-get install libpcap0.8", ja.Message);
        Assert.Contains("libpcap が見つかりません", ja.Message);
    }

    [Fact]
    public void The_permission_message_says_what_is_needed()
    {
        var en = LiveErrors.PermissionDenied("en", "eth1", "socket: Operation not permitted");
        Assert.Contains("CAP_NET_RAW", en.Message);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip", en.Message);
        Assert.Contains("root", en.Message);
        var ja = LiveErrors.PermissionDenied("ja", "eth1", "socket: Operation not permitted");
        Assert.Contains("CAP_NET_RAW", ja.Message);
        Assert.Contains("権限がありません", ja.Message);
    }

    [Fact]
    public void No_such_interface_lists_the_available_ones()
    {
        var en = LiveErrors.NoSuchInterface("en", "eth9", ["lo", "eth0"]);
        Assert.Equal("no such interface 'eth9'. Available interfaces: lo, eth0", en.Message);
        var ja = LiveErrors.NoSuchInterface("ja", "eth9", ["lo"]);
        Assert.Equal("インターフェース 'eth9' がありません。使用できるインターフェース: lo", ja.Message);
    }
}
