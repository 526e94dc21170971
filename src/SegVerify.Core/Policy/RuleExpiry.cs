using SegVerify.Core.Topology;

namespace SegVerify.Core.Policy;

/// <summary>
/// <c>topology validate</c>'s look ahead at the exceptions (例外措置): an allow rule whose <c>expires</c> day has
/// passed (a flow it allows is reported as expired-exception) or comes within <see cref="SoonDays"/> days, each
/// a warning at the rule's <c>expires</c> value. Days are JST (<see cref="PolicyEngine.Day"/>); the day given is
/// the last one the exception is valid.
/// </summary>
public static class RuleExpiry
{
    /// <summary>An allow rule that expires within this many days (from the reference day) is warned about.</summary>
    public const int SoonDays = 30;

    /// <summary>The warnings for <paramref name="t"/>'s allow rules at <paramref name="nowUtc"/>, in file order.</summary>
    public static List<TopologyError> Warnings(Topology.Topology t, DateTime nowUtc, string lang)
    {
        bool ja = lang == "ja";
        var today = PolicyEngine.Day(nowUtc);
        var list = new List<TopologyError>();
        foreach (var r in t.Allow)
        {
            if (r.Expires is not { } last) continue;
            int left = last.DayNumber - today.DayNumber;
            if (left > SoonDays) continue;
            var at = r.ExpiresPos ?? r.Pos;
            string day = last.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            string message = left < 0
                ? ja ? $"許可ルール '{r.Name}' は {day} で期限切れです（{-left} 日経過）。このルールだけが許可する通信は expired-exception として報告されます。例外を更新するか、ルールを削除してください"
                     : $"allow rule '{r.Name}' expired on {day} ({-left} day{(left == -1 ? "" : "s")} ago); flows only it allows are reported as expired-exception: renew the exception or remove the rule"
                : left == 0
                    ? ja ? $"許可ルール '{r.Name}' の期限は今日（{day}、日本時間）までです。例外を更新するか、終了の準備をしてください"
                         : $"allow rule '{r.Name}' expires today ({day} is its last valid day, JST): renew the exception or prepare its end"
                    : ja ? $"許可ルール '{r.Name}' はあと {left} 日で期限切れになります（{day} まで有効、日本時間）。例外を更新するか、終了の準備をしてください"
                         : $"allow rule '{r.Name}' expires in {left} day{(left == 1 ? "" : "s")} ({day} is its last valid day, JST): renew the exception or prepare its end";
            list.Add(new TopologyError(at.File, at.Line, at.Column, message));
        }
        return list;
    }
}
