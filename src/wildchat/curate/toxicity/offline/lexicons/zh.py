"""Chinese rules (simplified and common traditional forms). Chinese has no word boundaries, so
patterns match substrings and windows are counted in characters (one character ~ one word)."""

from __future__ import annotations

from wildchat.curate.toxicity.offline.rules import (
    CJK,
    HA,
    HAT,
    HT,
    PROF,
    SH,
    SHI,
    SHN,
    SX,
    VG,
    H,
    LanguagePack,
    Rule,
    V,
    alt,
)

STRONG = alt(
    r"白痴",
    r"傻逼",
    r"傻b",
    r"煞笔",
    r"沙雕",
    r"蠢货",
    r"蠢猪",
    r"贱人",
    r"贱货",
    r"婊子",
    r"脑残",
    r"智障",
    r"弱智",
    r"混蛋",
    r"王八蛋",
    r"狗东西",
    r"畜生",
    r"人渣",
    r"窝囊废",
    r"废物",
    r"丑八怪",
    r"死胖子",
    r"傻子",
)
MILD = alt(r"垃圾", r"笨蛋", r"蠢", r"贱", r"恶心", r"傻瓜", r"猪头", r"神经病", r"可悲", r"没用", r"一坨屎")
INSULT = alt(STRONG, MILD)
HARM = alt(
    r"杀了",
    r"杀死",
    r"杀掉",
    r"杀人",
    r"弄死",
    r"打死",
    r"打断",
    r"捅",
    r"砍死",
    r"砍人",
    r"枪杀",
    r"枪毙",
    r"崩了",
    r"毒死",
    r"下毒",
    r"勒死",
    r"掐死",
    r"烧死",
    r"绑架",
    r"折磨",
    r"强奸",
    r"炸掉",
    r"炸死",
    r"炸毁",
    r"揍",
    r"打得",
    r"暴打",
)

VICTIM = r"人|他|她|他们|她们|邻居|老板|孩子|同学|老师|警察|家人"
WEAPONS = r"燃烧瓶|燃烧弹|汽油弹|炸药|手榴弹|雷管"
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(r"血腥的?细节|细节.{0,10}血腥", {V: 0.6, VG: 0.6}),  # asked-for gore
    Rule(HARM, {V: 0.8}, needs=("howto", "person"), window=15),
    Rule(r"打人|打他|打她|揍人|打晕", {V: 0.45}),
    Rule(r"打人|打他|打她|揍人|打晕", {V: 0.8}, needs=("howto",), window=15),
    Rule(r"(?:打|揍)(?:人|他|她).{0,4}哪里|哪里.{0,4}(?:打|揍)", {V: 0.45}),
    Rule(r"昏过去|晕过去|打晕|昏迷|不省人事", {V: 0.5}, needs=("person",), window=15),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=15),
    Rule(r"烧了|烧掉|烧毁|纵火|放火", {V: 0.45}),
    Rule(r"(?:把|连).{0,10}(?:办公室|学校|政府|教堂|医院|大楼|房子).{0,8}(?:烧|炸)", {V: 0.85}),
    Rule(r"血腥|鲜血|流血|肢解|断肢|内脏|血肉模糊|砍头", {V: 0.3, VG: 0.3}),
    Rule(r"致死剂量|致命剂量|致死量|过量服用", {SH: 0.55, SHI: 0.5}, damp=True),
    Rule(r"(?:扑热息痛|对乙酰氨基酚|安眠药|药).{0,10}(?:致死|致命)", {SH: 0.85, SHI: 0.8}),
    Rule(r"烫自己|割自己|打自己|烧自己|划自己", {SH: 0.45}),
    Rule(r"惩罚自己", {SH: 0.45}),
    Rule(r"受不了了|痛苦永远停止|永远消失|活着没有意义", {SH: 0.45}),
    Rule(r"永远", {SH: 0.25}),
    Rule(r"发生性关系|性关系", {SX: 0.85}),
    Rule(r"上床(?!睡觉)|睡在一起|亲热", {SX: 0.5}),
    Rule(r"骚话|色色的|黄段子|荤段子", {SX: 0.75}),
    Rule(r"脱下|脱掉|扒光|脱光", {SX: 0.45}),
    Rule(r"解开", {SX: 0.25}),
    Rule(r"乳房|胸部|胸罩|内衣|屁股|大腿|裤子", {SX: 0.3}),
    Rule(r"推到床上|到床上|上了床", {SX: 0.25}),
    Rule(r"废柴|蠢材|人渣|窝囊废|垃圾", {H: 0.85}, needs=("you",), window=8),
    Rule(r"骂(?:他|她|他们)|长得丑|又丑又胖|滚出", {H: 0.45}),
    Rule(r"低等|低劣|入侵者|入侵|都是恐怖分子|不如男人", {HA: 0.85}, needs=("group",), window=20),
)

# Lexicon 1.3: constructions (predicates about groups of people).
CONSTRUCTIONS: tuple[Rule, ...] = (
    Rule(
        r"(?:外地人|外国人|移民|难民|黑人|穆斯林|犹太人|同性恋|农村人|乡下人|少数民族).{0,20}(?:都是|全是|就是)"
        r"(?:小偷|骗子|罪犯|垃圾|畜生|强盗|废物|寄生虫|蟑螂|老鼠|猴子)",
        {HA: 0.85},
    ),
    Rule(
        r"(?:外地人|外国人|移民|难民|黑人|穆斯林|犹太人|同性恋|农村人|乡下人|少数民族).{0,30}(?:赶出|滚出|驱逐|"
        r"消灭|清除)",
        {HA: 0.8},
    ),
)

PACK = LanguagePack(
    language="zh",
    script=CJK,
    cues={
        "person": VICTIM,
        "you": r"你|您|妳",
        "group": r"女人|女性|妇女|外国人|移民|难民|穆斯林|犹太人|基督徒|"
        r"黑人|白人|同性恋|残疾人|残障|种族|宗教|民族|国籍",
        "howto": r"怎么|如何|怎样|方法|教我|步骤|最有效|最好的办法",
        "intent": r"我要|我会|我想|我就|我们要|希望有人|再.{0,6}就",
        "minor": r"儿童|未成年|小孩|幼女|萝莉|小学生|初中生",
        "support": r"预防|热线|帮助|援助|治疗|求助|资源|停止",
    },
    negatives=(
        r"(?:杀死|杀掉|结束|kill).{0,12}进程|杀进程",
        r"笑死|累死|困死|饿死了|热死了|冷死了|要了我的命|打发时间",
        r"拍照|拍摄|家庭暴力|性教育|性健康|性骚扰|性侵|性取向|性别",
        r"自杀预防|预防自杀|心理援助热线|援助热线|求助热线|停止自残|危险信号",
        r"垃圾(?:分类|桶|回收|邮件|处理|食品|车|场|袋|收集)",
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        Rule(INSULT, {H: 0.85}, needs=("you",), window=8),
        Rule(STRONG, {H: 0.45}),
        Rule(rf"(?:^|[。！？，,!?])\s*{STRONG}\s*[，,！!。]", {H: 0.75}),  # vocative
        Rule(MILD, {H: 0.15}),
        Rule(r"操你妈|草你妈|你妈的|去死|没人喜欢你|大家都讨厌你|我恨你|滚蛋", {H: 0.85}),
        Rule(r"闭嘴|滚开|滚吧", {H: 0.5}),
        Rule(r"(?:她|他)(?:又|很|真|太|是个)?(?:胖|丑|蠢|笨)", {H: 0.6}),
        Rule(r"没人喜欢(?:她|他)", {H: 0.8}),
        Rule(
            r"害虫|寄生虫|畜生|动物|蟑螂|老鼠|低劣|劣等|低等|下等|不配|肮脏|弄得很脏|瘟疫|毒瘤|赶出|滚出|待在家里|太蠢|滚回",
            {HA: 0.85},
            needs=("group",),
            window=20,
        ),
        Rule(r"消灭|灭绝|清除|屠杀|杀光|种族灭绝", {HA: 0.9, HAT: 0.85, V: 0.7}, needs=("group",), window=20),
        Rule(HARM, {V: 0.45}),
        Rule(HARM, {V: 0.85}, needs=("intent",), window=12),
        Rule(HARM, {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent", "you"), window=12),
        Rule(r"(?:找到|知道)你住(?:的地方|在哪)", {V: 0.7, H: 0.75, HT: 0.8}),
        Rule(
            r"(?:自制|制作|做|造)炸弹|炸(?:掉|毁)(?:学校|大楼|办公室|教堂|清真寺|飞机)|把学校炸|全(?:都)?枪杀",
            {V: 0.85},
        ),
        Rule(r"想自杀|我想死|不想活|结束(?:我的)?生命|结束一切|割腕|跳楼|上吊自杀", {SH: 0.9, SHN: 0.85}),
        Rule(r"安眠药.{0,15}(?:醒|死)|怎么自杀|如何自杀", {SH: 0.9, SHI: 0.85}),
        Rule(r"伤害自己|自残|割自己", {SH: 0.6}),
        Rule(r"伤害自己|自残|割自己", {SH: 0.9, SHI: 0.85}, needs=("howto",), damp=True, window=10),
        Rule(r"没人会想念我|活着没意思", {SH: 0.6}),
        Rule(r"自杀", {SH: 0.35}, damp=True),
        Rule(r"色情|性爱|做爱|性交|裸照|露骨|淫荡|淫秽|黄片|口交|自慰|手淫|情色|黄色小说", {SX: 0.85}),
        Rule(r"裸体|下流|高潮|调情|饥渴", {SX: 0.45}),
        Rule(r"诱惑|火辣|性感", {SX: 0.4}),
        Rule(r"激情|缠绵", {SX: 0.3}),
        Rule(r"床上|兴奋|胸部", {SX: 0.3}, damp=True),
        Rule(r"角色扮演", {SX: 0.1}),
        Rule(r"操|肏|妈的|他妈|卧槽|我靠|^靠|屌|鸡巴|狗屎|傻逼", {PROF: 0.7}),
    ),
)
